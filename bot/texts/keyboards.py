"""Inline keyboards, built from content so every label is the clinic's."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.texts import callbacks
from bot.texts.content import Content
from bot.texts.keys import Button, Text
from bot.texts.translations import Contents
from bot.understanding.topics import Topic
from db.models import Trend


def topic_menu(content: Content, topics: Iterable[Topic] | None = None) -> InlineKeyboardMarkup:
    chosen = content.topics if topics is None else topics
    return InlineKeyboardMarkup(
        [[_topic_button(topic)] for topic in chosen]
    )


def after_answer(content: Content, topic: Topic) -> InlineKeyboardMarkup:
    """Related topics, then the way back to the list."""
    rows = [[_related_button(content, content.topic(ref))] for ref in topic.related
            if content.topic(ref) is not None]
    rows.append([_menu_button(content)])
    return InlineKeyboardMarkup(rows)


def typed_answer(
    content: Content, topic: Topic, alternatives: Iterable[Topic], question_id: int
) -> InlineKeyboardMarkup:
    """Under an answer to a typed question: close alternatives, then "That didn't help"."""
    rows = [[_related_button(content, other)] for other in alternatives]
    rows.append([InlineKeyboardButton(
        content.button(Button.NOT_HELPFUL),
        callback_data=callbacks.data(callbacks.NOT_HELPFUL, question_id),
    )])
    rows.append([_menu_button(content)])
    return InlineKeyboardMarkup(rows)


def fallback(content: Content, question_id: int) -> InlineKeyboardMarkup:
    rows = [[_topic_button(topic)] for topic in content.topics]
    rows.append([InlineKeyboardButton(
        content.button(Button.ASK_PERSON),
        callback_data=callbacks.data(callbacks.NOT_HELPFUL, question_id),
    )])
    return InlineKeyboardMarkup(rows)


def welcome(content: Content, *, ask_consent: bool) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(content.button(Button.BROWSE_TOPICS),
                              callback_data=callbacks.FAQ_OPEN)],
        [InlineKeyboardButton(content.button(Button.RISKS), callback_data=callbacks.RISKS)],
    ]
    if ask_consent:
        rows.append([InlineKeyboardButton(content.button(Button.GIVE_CONSENT),
                                          callback_data=callbacks.GIVE_CONSENT)])
    return InlineKeyboardMarkup(rows)


def reminder(content: Content, appointment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        _verb(content.button(Button.CONFIRM), callbacks.CONFIRM, appointment_id),
        _verb(content.button(Button.RESCHEDULE), callbacks.RESCHEDULE, appointment_id),
        _verb(content.button(Button.CANCEL), callbacks.CANCEL, appointment_id),
    ]])


def cancel_are_you_sure(content: Content, appointment_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        _verb(content.button(Button.CANCEL_SURE), callbacks.CANCEL_SURE, appointment_id),
        _verb(content.button(Button.KEEP), callbacks.KEEP, appointment_id),
    ]])


def soreness_scale(message_id: int) -> InlineKeyboardMarkup:
    """0 to 10 in two rows; the numbers need no words."""
    def score(value: int) -> InlineKeyboardButton:
        return InlineKeyboardButton(str(value), callback_data=callbacks.data(
            callbacks.SORENESS, f"{message_id}_{value}"))
    return InlineKeyboardMarkup([[score(value) for value in range(6)],
                                 [score(value) for value in range(6, 11)]])


def trend(content: Content, message_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        _verb(content.button(Button.BETTER), callbacks.BETTER, message_id),
        _verb(content.button(Button.SAME), callbacks.SAME, message_id),
        _verb(content.button(Button.WORSE), callbacks.WORSE, message_id),
    ]])


def happening_now(content: Content, alert_id: int) -> InlineKeyboardMarkup:
    """The one-tap question when the bot is half sure of an emergency."""
    return InlineKeyboardMarkup([
        [_verb(content.button(Button.HAPPENING_NOW), callbacks.HAPPENING_NOW, alert_id)],
        [_verb(content.button(Button.NOT_NOW), callbacks.NOT_NOW, alert_id)]])


def trend_label(content: Content, trend: str | None) -> str:
    """A stored trend as its button's label, for staff; "not said yet" without one."""
    labels = {Trend.BETTER: Button.BETTER, Trend.SAME: Button.SAME, Trend.WORSE: Button.WORSE}
    if trend is None or trend not in labels:
        return content.text(Text.TREND_NOT_GIVEN)
    return content.button(labels[Trend(trend)])


def _verb(label: str, prefix: str, target: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callbacks.data(prefix, target))


def back_to_menu(content: Content) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_menu_button(content)]])


def _topic_button(topic: Topic) -> InlineKeyboardButton:
    return InlineKeyboardButton(topic.title,
                                callback_data=callbacks.data(callbacks.FAQ_TOPIC, topic.id))


def _related_button(content: Content, topic: Topic | None) -> InlineKeyboardButton:
    assert topic is not None  # content validation guarantees related topics exist
    return InlineKeyboardButton(content.button(Button.RELATED_TOPIC, title=topic.title),
                                callback_data=callbacks.data(callbacks.FAQ_TOPIC, topic.id))


def _menu_button(content: Content) -> InlineKeyboardButton:
    return InlineKeyboardButton(content.button(Button.BACK_TO_TOPICS),
                                callback_data=callbacks.FAQ_MENU)


def share_phone(content: Content) -> ReplyKeyboardMarkup:
    """Telegram's contact button: one tap sends the patient's own phone number."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(content.button(Button.SHARE_PHONE), request_contact=True)]],
        resize_keyboard=True, one_time_keyboard=True)


def languages(contents: Contents, current: str) -> InlineKeyboardMarkup:
    """/language: each offered language in its own words, the current one ticked."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        ("✓ " if language == current else "") + contents.name(language),
        callback_data=callbacks.data(callbacks.LANGUAGE, language))]
        for language in contents.offered])


def switch_language(content: Content) -> InlineKeyboardMarkup:
    """"Reply to me in Spanish", in Spanish: under an answer to a message written in it."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        content.button(Button.LANGUAGE_SWITCH),
        callback_data=callbacks.data(callbacks.LANGUAGE, content.language))]])
