"""One user's view of their chat with the bot: say things, read replies, tap buttons."""

from __future__ import annotations

from typing import Any

from bot.stand_in.models import BotMessage, User
from bot.stand_in.server import DEADLINE, TelegramStub


class Chat:
    """Reads the bot's messages in order, so each test step sees only what it caused."""

    def __init__(self, stub: TelegramStub, user: User, chat: dict[str, Any] | None = None):
        self.stub = stub
        self.user = user
        self.chat = chat or user.private_chat()
        self.chat_id: int = self.chat["id"]
        self._read = 0

    async def say(self, text: str) -> None:
        await self.stub.user_sends(self.user, text, chat=self.chat)

    async def send(self, **fields: Any) -> None:
        """A non-text message: sticker=..., photo=..., voice=..., contact=..."""
        await self.stub.user_sends(self.user, chat=self.chat, **fields)

    async def send_file(self, contents: bytes, file_name: str,
                        mime_type: str = "text/csv") -> None:
        """A document, as the Telegram apps send a file."""
        await self.send(document=self.stub.files.document(contents, file_name, mime_type))

    async def share_contact(self, phone: str, user_id: int | None = None) -> None:
        """The contact button's message: the user's own number, unless `user_id` says
        it is someone else's card."""
        await self.send(contact={"phone_number": phone, "first_name": self.user.first_name,
                                 "user_id": self.user.id if user_id is None else user_id})

    async def ask(self, text: str, timeout: float = DEADLINE) -> BotMessage:
        await self.say(text)
        return await self.next_message(timeout)

    async def next_message(self, timeout: float = DEADLINE) -> BotMessage:
        def unread() -> BotMessage | None:
            messages = self.stub.messages_to(self.chat_id)
            return messages[self._read] if len(messages) > self._read else None

        message = await self.stub.wait_for(unread, timeout, f"a message in chat {self.chat_id}")
        assert message is not None
        self._read += 1
        return message

    async def next_message_with(self, words: str, timeout: float = DEADLINE) -> BotMessage:
        """The next message that contains `words`, passing over those before it (the
        notices and calendar files that fall due on the way when a test's clock jumps)."""
        def found() -> BotMessage | None:
            unread = self.stub.messages_to(self.chat_id)[self._read:]
            return next((message for message in unread if words in message.plain), None)

        message = await self.stub.wait_for(found, timeout, f"a message with {words!r} in chat "
                                                           f"{self.chat_id}")
        assert message is not None
        self._read = self.stub.messages_to(self.chat_id).index(message) + 1
        return message

    async def no_reply(self, within: float = DEADLINE) -> None:
        """Assert the bot says nothing more here: looked at once the bot and Telegram are
        quiet (`Quiet`), when nothing it received is left to answer and nothing due by
        now is left to send, so a late reply fails the test instead of passing it."""
        await self.stub.quiet.wait(within)
        unread = self.stub.messages_to(self.chat_id)[self._read:]
        assert not unread, f"expected silence, got {[m.plain[:60] for m in unread]}"

    def data_for(self, message: BotMessage, label: str) -> str:
        """The callback data of the button whose label contains `label`."""
        for button in message.buttons():
            if label.lower() in button["text"].lower():
                return str(button["callback_data"])
        raise AssertionError(f"no button {label!r} in {message.button_labels()}")

    async def tap(self, message: BotMessage, label: str) -> dict[str, Any]:
        """Tap a button by (part of) its label; returns the bot's callback answer."""
        query_id = await self.stub.user_taps(self.user, message, self.data_for(message, label))
        return await self.answer_to(query_id)

    async def tap_and_see_edit(self, message: BotMessage, label: str) -> BotMessage:
        edits = message.edits
        await self.tap(message, label)
        await self.stub.wait_for(lambda: message.edits > edits, what="the message to change")
        return message

    async def forge(self, data: str, message_id: int = 1) -> dict[str, Any]:
        query_id = await self.stub.forged_tap(self.user, self.chat_id, message_id, data)
        return await self.answer_to(query_id)

    async def answer_to(self, query_id: str) -> dict[str, Any]:
        answer = await self.stub.wait_for(lambda: self.stub.callback_answers.get(query_id),
                                          what=f"an answer to callback {query_id}")
        assert answer is not None
        return answer
