"""The one door to staff's handlers.

Every handler only staff may use (a command, a button, each step of a staff dialog, a
file sent for import, a reply relayed from the staff chat) is registered through a
`StaffDoor`, so a feature says who may use it where it registers it, and no handler
checks it again in its body.

A staff member is a user in STAFF_USER_IDS (`Settings.is_staff`). Writing in the staff
chat does not make anyone staff: the check is on the sender, never on the chat.

To anyone else a staff handler is not there: the update goes on to the handlers after
it, as one that nothing matched (handlers/fallback.py). So in a private chat a staff
command gets the answer to an unknown command; a tap on a staff button, anywhere, gets the
note that the button no longer works, which only the one who tapped sees; in a group the
bot says nothing. Nobody learns that a staff command exists, and every staff handler
refuses the same way.
"""

from __future__ import annotations

from typing import Any, TypeVar

from telegram import Update
from telegram.ext import Application, BaseHandler, ConversationHandler

from bot.services.context import ClinicApp, ClinicContext

RT = TypeVar("RT")


class StaffDoor:
    """Registers one application's staff handlers behind the staff check."""

    def __init__(self, application: ClinicApp) -> None:
        self.application = application
        self.settings = application.bot_data.settings

    def admits(self, update: object) -> bool:
        """Whether the update was sent by a staff member."""
        user = update.effective_user if isinstance(update, Update) else None
        return user is not None and self.settings.is_staff(user.id)

    def only(self, handler: BaseHandler[Update, ClinicContext, RT]) -> StaffOnly[RT]:
        """`handler` behind the door: for a staff dialog's entry points, steps and
        fallbacks, which the dialog holds before it is registered."""
        return StaffOnly(handler, self)

    def add(self, handler: BaseHandler[Update, ClinicContext, Any]) -> None:
        """Register `handler` in the default group, for staff only. A dialog is
        registered as it is, once each of its own handlers came through `only`: the
        dialog loader (bot/services/dialogs.py) finds it by its type."""
        if isinstance(handler, ConversationHandler):
            unguarded = [inner for inner in dialog_handlers(handler)
                         if not isinstance(inner, StaffOnly)]
            if unguarded:
                raise ValueError(f"{handler.name}: every handler of a staff dialog goes "
                                 f"through StaffDoor.only, not {unguarded}")
            self.application.add_handler(handler)
        else:
            self.application.add_handler(self.only(handler))


class StaffOnly(BaseHandler[Update, ClinicContext, RT]):
    """A handler that matches only updates from staff; to anyone else it is not there."""

    __slots__ = ("door", "handler")

    def __init__(self, handler: BaseHandler[Update, ClinicContext, RT], door: StaffDoor) -> None:
        # The inner handler's callback, so a log or a test sees which feature this is.
        super().__init__(handler.callback, block=handler.block)
        self.handler = handler
        self.door = door

    def check_update(self, update: object) -> bool | object | None:
        if not self.door.admits(update):
            return None
        return self.handler.check_update(update)

    async def handle_update(
        self, update: Update, application: Application[Any, ClinicContext, Any, Any, Any, Any],
        check_result: object, context: ClinicContext,
    ) -> RT:
        return await self.handler.handle_update(update, application, check_result, context)


def dialog_handlers(
    conversation: ConversationHandler[Any],
) -> list[BaseHandler[Update, Any, object]]:
    """A dialog's entry points, the handlers of each of its steps, and its fallbacks."""
    return [*conversation.entry_points,
            *(handler for step in conversation.states.values() for handler in step),
            *conversation.fallbacks]
