"""The staff's weekly picture (/stats): a PNG drawn with matplotlib's Agg backend (no
screen, safe off the main thread): appointments a week by how patients answered their
reminder, check-ins sent and answered with the warning-sign alerts, and the soreness
answers with the escalation threshold marked. Counts only, never a name. With nothing to
show it says so instead of drawing empty axes."""

from __future__ import annotations

import io
from datetime import tzinfo
from typing import TYPE_CHECKING

from bot.texts.content import Content
from bot.texts.keys import Text
from bot.texts.telegram_html import plain_text
from db.stats import ANSWERS, Figures

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH, HEIGHT, DPI = 10, 7, 100  # inches, and dots an inch: 1000 x 700 pixels
COLOURS = ("#4c9a5b", "#c0504d", "#e0a030", "#9aa5b1")  # by db.stats.ANSWERS


def _labels(content: Content, threshold: int) -> dict[str, str]:
    """The chart's words, from the content files, as plain text."""
    labels = {
        "appointments": content.text(Text.STATS_APPOINTMENTS),
        "confirmed": content.text(Text.STATS_CONFIRMED),
        "cancelled": content.text(Text.STATS_CANCELLED),
        "asked to reschedule": content.text(Text.STATS_RESCHEDULE),
        "no answer": content.text(Text.STATS_NO_ANSWER),
        "checkins": content.text(Text.STATS_CHECKINS),
        "sent": content.text(Text.STATS_SENT),
        "answered": content.text(Text.STATS_ANSWERED),
        "alerts": content.text(Text.STATS_ALERTS),
        "soreness": content.text(Text.STATS_SORENESS),
        "escalation": content.text(Text.STATS_ESCALATION, threshold=threshold),
    }
    return {name: plain_text(text).strip() for name, text in labels.items()}


def weekly_chart(figures: Figures, content: Content, zone: tzinfo, threshold: int,
                 practitioner: str | None = None) -> bytes:
    # matplotlib only when a picture is drawn: importing it costs a third of a second,
    # which every start of the bot would otherwise pay.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    weeks = len(figures.weeks)
    label = _labels(content, threshold)
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.suptitle(plain_text(content.text(
        Text.STATS_TITLE, weeks=weeks,
        practitioner=f", {practitioner}" if practitioner else "")).strip())
    if figures.empty:
        figure.text(0.5, 0.5, plain_text(content.text(Text.STATS_EMPTY, weeks=weeks)).strip(),
                    ha="center", va="center", fontsize=14, wrap=True)
        return _png(figure)
    names = [f"{week.starts.astimezone(zone):%d %b}" for week in figures.weeks]
    grid = figure.add_gridspec(2, 2)
    appointments = figure.add_subplot(grid[0, :])
    base = [0] * weeks
    for answer, colour in zip(ANSWERS, COLOURS, strict=True):
        counts = [week.appointments[answer] for week in figures.weeks]
        appointments.bar(names, counts, bottom=base, color=colour, label=label[answer])
        base = [below + count for below, count in zip(base, counts, strict=True)]
    appointments.set_title(label["appointments"])
    appointments.legend(loc="upper left", fontsize=8)
    checkins = figure.add_subplot(grid[1, 0])
    positions = range(weeks)
    checkins.bar([p - 0.27 for p in positions], [w.checkins_sent for w in figures.weeks],
                 width=0.27, label=label["sent"], color="#517da2")
    checkins.bar(list(positions), [w.checkins_answered for w in figures.weeks], width=0.27,
                 label=label["answered"], color="#8fb3d9")
    checkins.bar([p + 0.27 for p in positions], [w.alerts for w in figures.weeks],
                 width=0.27, label=label["alerts"], color="#c0504d")
    checkins.set_xticks(list(positions), names)
    checkins.set_title(label["checkins"])
    checkins.legend(fontsize=8)
    soreness = figure.add_subplot(grid[1, 1])
    scores = list(range(11))
    soreness.bar(scores, [figures.scores[score] for score in scores],
                 color=["#c0504d" if score >= threshold else "#8fb3d9" for score in scores])
    soreness.axvline(threshold - 0.5, color="#c0504d", linestyle="--",
                     label=label["escalation"])
    soreness.set_xticks(scores)
    soreness.set_title(label["soreness"])
    soreness.legend(fontsize=8)
    for axes in (appointments, checkins, soreness):
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: whole numbers
    figure.tight_layout()
    return _png(figure)


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
