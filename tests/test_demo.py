"""`python -m bot demo` in a real headless browser (Debian's chromium and chromedriver,
driven by Selenium): the page shows the real bot's answers, buttons that work, messages
edited in place, and a clock that brings the guide, the reminder and the check-in. Each
test saves a screenshot of the page beside its test folder (`screenshots/`)."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from db.models import utcnow
from tests.support.bots import free_port
from tests.support.factories import copy_content
from tests.support.processes import kill_leftovers, python_module, start

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 45.0

pytestmark = [
    pytest.mark.slow(seconds=25),
    pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
                       reason="Debian's chromium and chromium-driver are not installed "
                              "(.ci/run installs them)"),
]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    """The demo as `make demo` runs it (without opening a browser), on a copy of the
    content the test may edit (`tmp_path / "content"`); its address."""
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "CONTENT_DIR": str(copy_content(tmp_path)),
           "TMPDIR": str(tmp_path)}  # its database folder, should it be killed
    process = start(python_module("bot", "demo", "--no-browser", "--port", str(port)),
                    env=env, cwd=tmp_path, log=tmp_path / "demo.log")
    address = f"http://127.0.0.1:{port}"
    give_up = time.monotonic() + WAIT
    while True:
        try:
            with urllib.request.urlopen(f"{address}/api/state", timeout=5):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > give_up:
                raise AssertionError("the demo did not start: " + (
                    tmp_path / "demo.log").read_text()[-2000:]) from None
            time.sleep(0.2)
    yield address
    process.send_signal(signal.SIGTERM)  # as Ctrl-C: it removes its database folder
    try:
        process.wait(timeout=WAIT)
    finally:
        kill_leftovers()
    assert not list(tmp_path.glob("clinic-demo-*")), "the demo left its database behind"


@pytest.fixture
def browser(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1500,950", f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        folder = tmp_path.parent / "screenshots"
        folder.mkdir(exist_ok=True)
        driver.save_screenshot(str(folder / f"{request.node.name}.png"))
        driver.quit()


class Page:
    """The demo page, as a person uses it."""

    def __init__(self, driver: object, address: str) -> None:
        from selenium.webdriver.remote.webdriver import WebDriver

        assert isinstance(driver, WebDriver)
        self.driver = driver
        driver.get(address)
        self.until(lambda: "Clinic time" in self.driver.page_source)

    def pane(self, side: str) -> str:
        from selenium.webdriver.common.by import By

        return str(self.driver.find_element(By.ID, f"{side}-pane").text)

    def until(self, condition: Callable[[], object], what: str = "the page") -> None:
        give_up = time.monotonic() + WAIT
        while not condition():
            if time.monotonic() > give_up:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.2)

    def until_in(self, side: str, words: str) -> None:
        self.until(lambda: words in self.pane(side), f"{words!r} in the {side} pane")

    def choose(self, side: str, title: str) -> None:
        self.click(f"//section[@id='{side}-pane']//div[@class='top']/button"
                   f"[contains(., '{title}')]")

    def click(self, xpath: str) -> None:
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.common.by import By

        give_up = time.monotonic() + WAIT
        while True:  # the page re-renders as the bot answers: find it again if it moved
            try:
                self.driver.find_element(By.XPATH, xpath).click()
                return
            except StaleElementReferenceException:
                if time.monotonic() > give_up:
                    raise
            except Exception:
                if time.monotonic() > give_up:
                    raise
                time.sleep(0.2)

    def tap(self, side: str, label: str, last: bool = True) -> None:
        which = "last()" if last else "1"
        self.click(f"(//section[@id='{side}-pane']//div[@class='keyboard']//button"
                   f"[contains(., '{label}')])[{which}]")

    def type(self, side: str, text: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        give_up = time.monotonic() + WAIT
        while True:  # the page re-renders as the bot answers: find the box again
            try:
                box = self.driver.find_element(By.XPATH,
                                               f"//section[@id='{side}-pane']//input")
                box.send_keys(text + Keys.ENTER)
                return
            except Exception:
                if time.monotonic() > give_up:
                    raise
                time.sleep(0.2)

    def skip_until(self, side: str, words: str) -> None:
        """Skip to the next planned message, and again, until `words` show in the pane
        (each skip given time to bring its message, so none is skipped past)."""
        for _ in range(12):
            if words in self.pane(side):
                return
            self.click("//button[@id='skip-next']")
            give_up = time.monotonic() + 4
            while words not in self.pane(side) and time.monotonic() < give_up:
                time.sleep(0.2)
        self.until_in(side, words)


def test_a_patient_asks_in_their_own_words_and_taps_a_topic(demo: str, browser: object
                                                             ) -> None:
    page = Page(browser, demo)
    page.choose("patient", "Cleo")
    page.type("patient", "/start")
    page.until_in("patient", "Hello Cleo")
    page.type("patient", "does it hurt?")
    page.until_in("patient", "pinch")
    page.type("patient", "/faq")
    page.until_in("patient", "Common questions")  # the topic list
    page.tap("patient", "How does it work?")

    page.until_in("patient", "edited")  # the topic list became the answer, in place
    assert "Common questions" not in page.pane("patient")


def test_staff_book_and_the_clock_brings_the_notice_guide_reminder_and_check_in(
    demo: str, browser: object
) -> None:
    page = Page(browser, demo)
    day = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%d")
    page.choose("staff", "Sam")
    page.type("staff", f"/book @ben_demo {day} 10:00 45 Dr Lee")
    page.until_in("staff", "Booked #")
    page.choose("patient", "Ann")
    page.skip_until("patient", "You are booked in")  # the booking's notice, minutes on
    page.skip_until("patient", "Reminder")
    page.tap("patient", "Confirm")
    page.until_in("patient", "See you")
    page.skip_until("patient", "sore")
    page.tap("patient", "9")
    page.choose("staff", "Clinic staff")

    page.until_in("staff", "Check-in needs attention")
    assert "Ann" in page.pane("staff") and "9/10" in page.pane("staff")
    page.choose("patient", "Ben")
    assert "You are booked in" in page.pane("patient")


def test_a_broadcast_reaches_the_demo_patients_with_its_count(demo: str, browser: object
                                                              ) -> None:
    page = Page(browser, demo)
    page.choose("staff", "Sam")
    page.type("staff", "/broadcast The clinic is closed on Friday")
    page.until_in("staff", "Send")
    page.tap("staff", "Send")
    page.until_in("staff", "delivered")
    page.choose("patient", "Ben")

    page.until_in("patient", "The clinic is closed on Friday")
    assert "2 delivered" in page.pane("staff")  # Ann and Ben, who accept updates


def test_consent_then_sharing_a_phone_and_reloading_edited_texts(
    demo: str, browser: object, tmp_path: Path
) -> None:
    page = Page(browser, demo)
    page.choose("patient", "Cleo")
    page.type("patient", "/start")
    page.tap("patient", "send me reminders")
    page.click("//button[@class='contact']")  # Telegram's contact keyboard
    page.until_in("patient", "shared their phone number")
    messages = tmp_path / "content" / "en" / "messages.yaml"
    messages.write_text(messages.read_text().replace(
        "Pick a topic, or just type your question.", "Choose what you would like to know."))
    page.click("//button[@id='reload']")
    page.until(lambda: "Content reloaded" in page.driver.page_source, "the reload")
    page.type("patient", "/faq")
    page.until_in("patient", "Choose what you would like to know.")
    messages.write_text(messages.read_text().replace("{ $when }", "{ $wen }", 1))
    page.click("//button[@id='reload']")

    page.until(lambda: "has problems" in page.driver.page_source, "the content's problems")
    assert "messages.yaml" in page.driver.page_source


def test_staff_answer_a_handed_over_question_with_reply(demo: str, browser: object) -> None:
    """The staff's main loop: a question the bot hands over, answered with Reply."""
    page = Page(browser, demo)
    page.choose("patient", "Cleo")
    page.type("patient", "/start")
    page.until_in("patient", "Hello Cleo")
    page.type("patient", "Can I bring my dog?")
    page.tap("patient", "Ask a person")
    page.choose("staff", "Clinic staff")
    page.until_in("staff", "Can I bring my dog?")
    page.click("(//section[@id='staff-pane']//button[contains(., 'Reply')])[last()]")
    page.until_in("staff", "Replying to a message")
    page.type("staff", "Yes, well-behaved dogs are welcome in the garden room.")

    page.until_in("patient", "well-behaved dogs are welcome")


def _post(address: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(f"{address}/api/say", data=body, method="POST",
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def test_the_demo_answers_only_its_own_page(demo: str) -> None:
    """Any page open in the same browser could post to "say" (a cross-site form), and any
    Host header was answered (DNS rebinding)."""
    with urllib.request.urlopen(f"{demo}/api/state", timeout=10) as answer:
        chat = json.load(answer)["chats"][0]["id"]
    said = json.dumps({"chat": chat, "text": "hello"}).encode()
    own = {"Content-Type": "application/json", "Origin": demo}

    assert _post(demo, said, {"Content-Type": "text/plain"}) == 415  # a cross-site form
    assert _post(demo, said, {**own, "Origin": "https://evil.example"}) == 403
    assert _post(demo, said, {**own, "Host": "evil.example"}) == 403
    page = urllib.request.Request(demo + "/", headers={"Host": "rebound.example:80"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(page, timeout=10)
    assert refused.value.code == 403
    assert _post(demo, b"[1, 2]", own) == 400
    assert _post(demo, said, own) == 200  # its own page


def test_a_demo_patient_switched_to_another_language_is_answered_in_it(
        demo: str, browser: object) -> None:
    page = Page(browser, demo)
    page.choose("patient", "Cleo")
    switch = "//section[@id='patient-pane']//select[@class='language']"
    page.click(f"{switch}/option[@value='es']")
    page.until(lambda: page.driver.execute_script(
        "const s = document.querySelector('#patient-pane select.language');"
        "return s && s.value;") == "es", "the switch to Spanish")
    page.type("patient", "/start")

    page.until_in("patient", "¡Hola, Cleo!")
