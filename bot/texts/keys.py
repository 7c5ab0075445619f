"""The names of every text the code sends, and which placeholders each one is given.

The words live in `content/`; this module is the contract between the two. The loader
checks the files against it at start-up, and a test checks every call site against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Filled into every text from the settings, so the clinic may use them anywhere:
# CLINIC_NAME, CLINIC_CONTACT, EMERGENCY_NUMBER, CRISIS_LINE and OUT_OF_HOURS_LINE
# (`when_clinic_closed`, which completes "If the clinic is closed, ...").
COMMON_FIELDS = frozenset({"clinic_name", "clinic_contact", "emergency_number",
                           "crisis_line", "when_clinic_closed"})


class Text(StrEnum):
    WELCOME = "welcome"
    WELCOME_CONSENT = "welcome_consent"
    CONSENT_GIVEN = "consent_given"
    CONSENT_ALREADY = "consent_already"
    HELP = "help"
    FAQ_MENU = "faq_menu"
    FAQ_SEARCH_RESULTS = "faq_search_results"
    FAQ_SEARCH_NONE = "faq_search_none"
    DID_YOU_MEAN = "did_you_mean"
    FALLBACK = "fallback"
    QUESTION_TOO_LONG = "question_too_long"
    HANDED_TO_STAFF = "handed_to_staff"
    HANDED_TO_STAFF_ALREADY = "handed_to_staff_already"
    NOTED_NO_STAFF_CHAT = "noted_no_staff_chat"
    STAFF_QUESTION = "staff_question"
    STAFF_REPLY_TO_PATIENT = "staff_reply_to_patient"
    STAFF_REPLY_DELIVERED = "staff_reply_delivered"
    STAFF_REPLY_UNDELIVERABLE = "staff_reply_undeliverable"
    UNANSWERED_HEADER = "unanswered_header"
    UNANSWERED_ROW = "unanswered_row"
    UNANSWERED_EMPTY = "unanswered_empty"
    UNANSWERED_REASON_NO_MATCH = "unanswered_reason_no_match"
    UNANSWERED_REASON_UNHELPFUL = "unanswered_reason_unhelpful"
    NO_TOPIC = "no_topic"
    TOPIC_GONE = "topic_gone"
    BUTTON_EXPIRED = "button_expired"
    UNKNOWN_COMMAND = "unknown_command"
    UNSUPPORTED_MESSAGE = "unsupported_message"
    SOMETHING_WENT_WRONG = "something_went_wrong"
    TOO_MANY_AT_ONCE = "too_many_at_once"
    GUIDE = "guide"
    ANY_PRACTITIONER = "any_practitioner"
    BOOKED = "booked"
    BOOKED_GUIDE_AT = "booked_guide_at"
    BOOKED_NO_GUIDE = "booked_no_guide"
    BOOK_USAGE = "book_usage"
    BOOK_UNKNOWN_PATIENT = "book_unknown_patient"
    BOOK_IN_PAST = "book_in_past"
    IMPORT_PREVIEW = "import_preview"
    IMPORT_RUNNING = "import_running"
    IMPORT_DONE = "import_done"
    IMPORT_FAILED = "import_failed"
    IMPORT_CANCELLED = "import_cancelled"
    IMPORT_TOO_BIG = "import_too_big"
    IMPORT_WRONG_TYPE = "import_wrong_type"
    IMPORT_UNUSABLE = "import_unusable"
    IMPORT_GONE = "import_gone"
    STATS_TITLE = "stats_title"
    STATS_EMPTY = "stats_empty"
    STATS_SUMMARY = "stats_summary"
    STATS_TOP_QUESTION = "stats_top_question"
    STATS_APPOINTMENTS = "stats_appointments"
    STATS_CONFIRMED = "stats_confirmed"
    STATS_CANCELLED = "stats_cancelled"
    STATS_RESCHEDULE = "stats_reschedule"
    STATS_NO_ANSWER = "stats_no_answer"
    STATS_CHECKINS = "stats_checkins"
    STATS_SENT = "stats_sent"
    STATS_ANSWERED = "stats_answered"
    STATS_ALERTS = "stats_alerts"
    STATS_SORENESS = "stats_soreness"
    STATS_ESCALATION = "stats_escalation"
    WHOAMI = "whoami"
    WHOAMI_GROUP = "whoami_group"
    STAFF_CHAT_CANDIDATE = "staff_chat_candidate"
    TIME_DOES_NOT_EXIST = "time_does_not_exist"
    TIME_HAPPENS_TWICE = "time_happens_twice"
    REMINDER = "reminder"
    CONFIRMED = "confirmed"
    RESCHEDULE_PASSED_ON = "reschedule_passed_on"
    RESCHEDULE_CONTACT_CLINIC = "reschedule_contact_clinic"
    CANCEL_ARE_YOU_SURE = "cancel_are_you_sure"
    CANCELLED = "cancelled"
    APPOINTMENT_NOT_OPEN = "appointment_not_open"
    STAFF_RESCHEDULE_REQUEST = "staff_reschedule_request"
    STAFF_CANCELLED = "staff_cancelled"
    CHECKIN = "checkin"
    FOLLOWUP = "followup"
    CHECKIN_TREND = "checkin_trend"
    CHECKIN_MILD = "checkin_mild"
    CHECKIN_MODERATE = "checkin_moderate"
    CHECKIN_MODERATE_AGAIN = "checkin_moderate_again"
    CHECKIN_URGENT = "checkin_urgent"
    CHECKIN_URGENT_CALL_US = "checkin_urgent_call_us"
    CHECKIN_NOTED = "checkin_noted"
    CHECKIN_ALREADY_ANSWERED = "checkin_already_answered"
    TREND_NOT_GIVEN = "trend_not_given"
    STAFF_CHECKIN_ALERT = "staff_checkin_alert"
    SAFETY_EMERGENCY = "safety_emergency"
    SAFETY_EMERGENCY_CALL_US = "safety_emergency_call_us"
    SAFETY_SAME_DAY = "safety_same_day"
    SAFETY_SAME_DAY_CALL_US = "safety_same_day_call_us"
    SAFETY_STAFF_NOT_TOLD = "safety_staff_not_told"
    SAFETY_CRISIS = "safety_crisis"
    SAFETY_CRISIS_CALL_US = "safety_crisis_call_us"
    SAFETY_CONFIRM = "safety_confirm"
    SAFETY_CONFIRM_CALL_US = "safety_confirm_call_us"
    SAFETY_NOT_NOW = "safety_not_now"
    SAFETY_NOT_NOW_CALL_US = "safety_not_now_call_us"
    SAFETY_LOOK = "safety_look"
    SAFETY_LOOK_CALL_US = "safety_look_call_us"
    SAFETY_LOOK_MEDIA = "safety_look_media"
    SAFETY_LOOK_MEDIA_CALL_US = "safety_look_media_call_us"
    SAFETY_HISTORY = "safety_history"
    STICKER = "sticker"
    STAFF_SAFETY_ALERT = "staff_safety_alert"
    SAFETY_TIER_EMERGENCY = "safety_tier_emergency"
    SAFETY_TIER_SAME_DAY = "safety_tier_same_day"
    SAFETY_TIER_CONFIRM = "safety_tier_confirm"
    SAFETY_TIER_LOOK = "safety_tier_look"
    SAFETY_TOLD_EMERGENCY = "safety_told_emergency"
    SAFETY_TOLD_SAME_DAY = "safety_told_same_day"
    SAFETY_TOLD_CRISIS = "safety_told_crisis"
    SAFETY_TOLD_CONFIRM = "safety_told_confirm"
    SAFETY_TOLD_NOW_YES = "safety_told_now_yes"
    SAFETY_TOLD_NOW_NO = "safety_told_now_no"
    SAFETY_TOLD_LOOK = "safety_told_look"
    SAFETY_MEDIA_KIND = "safety_media_kind"
    SAFETY_READING_FAILED = "safety_reading_failed"
    MEDIA_PHOTO = "media_photo"
    MEDIA_VOICE = "media_voice"
    MEDIA_VIDEO = "media_video"
    MEDIA_VIDEO_NOTE = "media_video_note"
    MEDIA_AUDIO = "media_audio"
    MEDIA_FILE = "media_file"
    SAFETY_VISIT = "safety_visit"
    SAFETY_NO_VISIT = "safety_no_visit"
    NOTICE_BOOKED = "notice_booked"
    NOTICE_MOVED = "notice_moved"
    NOTICE_CANCELLED = "notice_cancelled"
    BOOKED_NOT_LINKED = "booked_not_linked"
    TODAY_EMPTY = "today_empty"
    TODAY_HEADER = "today_header"
    TODAY_ROW = "today_row"
    STATUS_BOOKED = "status_booked"
    STATUS_CONFIRMED = "status_confirmed"
    STATUS_RESCHEDULE = "status_reschedule"
    STATUS_CANCELLED = "status_cancelled"
    STATUS_CHECKIN = "status_checkin"
    CANCEL_USAGE = "cancel_usage"
    MOVE_USAGE = "move_usage"
    NO_OPEN_APPOINTMENT = "no_open_appointment"
    STAFF_CANCEL_DONE = "staff_cancel_done"
    STAFF_MOVE_DONE = "staff_move_done"
    SHARE_PHONE = "share_phone"
    INVITE_LINKED = "invite_linked"
    INVITE_INVALID = "invite_invalid"
    INVITE_USAGE = "invite_usage"
    INVITE_CREATED = "invite_created"
    INVITE_ALREADY_LINKED = "invite_already_linked"
    PHONE_NOT_OWN = "phone_not_own"
    PHONE_TAKEN = "phone_taken"
    PHONE_SAVED = "phone_saved"
    APPOINTMENTS_NONE = "appointments_none"
    APPOINTMENTS_LIST = "appointments_list"
    APPOINTMENT_DETAIL = "appointment_detail"
    BOOK_ASK_WHO = "book_ask_who"
    BOOK_ASK_DAY = "book_ask_day"
    BOOK_WHICH_PATIENT = "book_which_patient"
    BOOK_ASK_TIME = "book_ask_time"
    BOOK_ASK_TIME_AGAIN = "book_ask_time_again"
    BOOK_ASK_LENGTH = "book_ask_length"
    BOOK_ASK_PRACTITIONER = "book_ask_practitioner"
    BOOK_CONFIRM = "book_confirm"
    BOOK_STOPPED = "book_stopped"
    BROADCAST_ASK_TEXT = "broadcast_ask_text"
    BROADCAST_CONTROL = "broadcast_control"
    AUDIENCE_ALL = "audience_all"
    AUDIENCE_WEEK = "audience_week"
    AUDIENCE_PRACTITIONER = "audience_practitioner"
    BROADCAST_NOT_DRAFT = "broadcast_not_draft"
    BROADCAST_CANCELLED = "broadcast_cancelled"
    BROADCAST_PROGRESS = "broadcast_progress"
    BROADCAST_REPORT = "broadcast_report"
    BROADCAST_NO_FAILURES = "broadcast_no_failures"
    BROADCASTS_EMPTY = "broadcasts_empty"
    BROADCASTS_HEADER = "broadcasts_header"
    BROADCASTS_ROW = "broadcasts_row"
    UPDATES_STOPPED = "updates_stopped"
    UPDATES_ALREADY_STOPPED = "updates_already_stopped"
    UPDATES_RESUMED = "updates_resumed"
    CALENDAR_SUMMARY = "calendar_summary"
    SETTINGS = "settings"
    SETTINGS_NO_CONSENT = "settings_no_consent"
    MYDATA_CAPTION = "mydata_caption"
    MYDATA_NONE = "mydata_none"
    FORGET_ARE_YOU_SURE = "forget_are_you_sure"
    FORGET_DONE = "forget_done"
    FORGET_KEPT = "forget_kept"
    STAFF_FORGOTTEN = "staff_forgotten"
    CALENDAR_DESCRIPTION = "calendar_description"
    DATE_TIME = "date_time"
    LOCAL_EMERGENCY_NUMBER = "local_emergency_number"
    LOCAL_CRISIS_LINE = "local_crisis_line"
    LOCAL_OUT_OF_HOURS = "local_out_of_hours"
    LANGUAGE_MENU = "language_menu"
    LANGUAGE_SET = "language_set"
    LANGUAGE_ONLY = "language_only"


class Button(StrEnum):
    BROWSE_TOPICS = "browse_topics"
    RISKS = "risks"
    GIVE_CONSENT = "give_consent"
    BACK_TO_TOPICS = "back_to_topics"
    NOT_HELPFUL = "not_helpful"
    ASK_PERSON = "ask_person"
    RELATED_TOPIC = "related_topic"
    CONFIRM = "confirm"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    CANCEL_SURE = "cancel_sure"
    KEEP = "keep"
    SHARE_PHONE = "share_phone"
    CALENDAR = "calendar"
    ALL_APPOINTMENTS = "all_appointments"
    STOP = "stop"
    BOOK_IT = "book_it"
    SEND = "send"
    CANCEL_BROADCAST = "cancel_broadcast"
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"
    HAPPENING_NOW = "happening_now"
    NOT_NOW = "not_now"
    SETTING_REMINDERS = "setting_reminders"
    SETTING_CHECKINS = "setting_checkins"
    SETTING_UPDATES = "setting_updates"
    LANGUAGE_SWITCH = "language_switch"
    FORGET_SURE = "forget_sure"
    FORGET_KEEP = "forget_keep"
    IMPORT_IT = "import_it"
    CANCEL_IMPORT = "cancel_import"


@dataclass(frozen=True)
class TextSpec:
    """`fields`: what the code fills in (besides COMMON_FIELDS); `required`: what the text
    must show, because the message makes no sense without it."""

    fields: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()


def _spec(fields: str = "", required: str = "") -> TextSpec:
    return TextSpec(frozenset(fields.split()), frozenset(required.split()))


TEXT_SPECS: dict[Text, TextSpec] = {key: TextSpec() for key in Text} | {
    Text.WELCOME: _spec("first_name"),
    Text.FAQ_SEARCH_RESULTS: _spec("query"),
    Text.FAQ_SEARCH_NONE: _spec("query"),
    Text.STAFF_QUESTION: _spec("patient question topic", required="patient question"),
    Text.STAFF_REPLY_TO_PATIENT: _spec("reply", required="reply"),
    Text.UNANSWERED_ROW: _spec("count question reason last_asked", required="count question"),
    Text.GUIDE: _spec("when practitioner", required="when"),
    Text.BOOKED: _spec("number patient when minutes practitioner", required="number when"),
    Text.BOOKED_GUIDE_AT: _spec("when", required="when"),
    Text.BOOK_UNKNOWN_PATIENT: _spec("reference", required="reference"),
    Text.IMPORT_PREVIEW: _spec("file rows report", required="report"),
    Text.IMPORT_RUNNING: _spec("file done total", required="done total"),
    Text.IMPORT_DONE: _spec("file report", required="report"),
    Text.IMPORT_FAILED: _spec("file done total", required="done"),
    Text.IMPORT_CANCELLED: _spec("file"),
    Text.IMPORT_TOO_BIG: _spec("megabytes", required="megabytes"),
    Text.IMPORT_UNUSABLE: _spec("file reason", required="reason"),
    Text.STATS_TITLE: _spec("weeks practitioner", required="weeks"),
    Text.STATS_EMPTY: _spec("weeks", required="weeks"),
    Text.STATS_SUMMARY: _spec("weeks appointments confirmed cancelled reschedule "
                              "no_answer sent answered escalated alerts",
                              required="appointments sent answered alerts"),
    Text.STATS_TOP_QUESTION: _spec("count question", required="question"),
    Text.STATS_ESCALATION: _spec("threshold", required="threshold"),
    Text.WHOAMI: _spec("user_id", required="user_id"),
    Text.WHOAMI_GROUP: _spec("chat_id", required="chat_id"),
    Text.STAFF_CHAT_CANDIDATE: _spec("chat_id", required="chat_id"),
    Text.TIME_DOES_NOT_EXIST: _spec("when zone suggested", required="when suggested"),
    Text.TIME_HAPPENS_TWICE: _spec("when zone first second", required="when first second"),
    Text.REMINDER: _spec("when practitioner", required="when"),
    Text.CONFIRMED: _spec("when"),
    Text.CANCEL_ARE_YOU_SURE: _spec("when", required="when"),
    Text.CANCELLED: _spec("when", required="when"),
    Text.STAFF_RESCHEDULE_REQUEST: _spec("patient when", required="patient when"),
    Text.STAFF_CANCELLED: _spec("patient when", required="patient when"),
    Text.CHECKIN: _spec("when"),
    Text.FOLLOWUP: _spec("when"),
    Text.CHECKIN_TREND: _spec("score", required="score"),
    Text.CHECKIN_MODERATE: _spec("when", required="when"),
    Text.STAFF_CHECKIN_ALERT: _spec("patient when practitioner score trend",
                                    required="patient when score trend"),
    Text.SAFETY_EMERGENCY: _spec(required="emergency_number"),
    Text.SAFETY_EMERGENCY_CALL_US: _spec(required="emergency_number clinic_contact"),
    Text.SAFETY_SAME_DAY: _spec(required="clinic_contact emergency_number"),
    Text.SAFETY_SAME_DAY_CALL_US: _spec(required="clinic_contact emergency_number"),
    Text.SAFETY_STAFF_NOT_TOLD: _spec(required="clinic_contact"),
    Text.SAFETY_CRISIS: _spec(required="emergency_number crisis_line"),
    Text.SAFETY_CRISIS_CALL_US: _spec(required="emergency_number crisis_line clinic_contact"),
    Text.SAFETY_CONFIRM: _spec(),
    Text.SAFETY_CONFIRM_CALL_US: _spec(required="clinic_contact"),
    Text.SAFETY_NOT_NOW: _spec(required="emergency_number"),
    Text.SAFETY_NOT_NOW_CALL_US: _spec(required="emergency_number clinic_contact"),
    Text.SAFETY_LOOK: _spec(required="emergency_number"),
    Text.SAFETY_LOOK_CALL_US: _spec(required="emergency_number clinic_contact"),
    Text.SAFETY_LOOK_MEDIA: _spec(required="emergency_number"),
    Text.SAFETY_LOOK_MEDIA_CALL_US: _spec(required="emergency_number clinic_contact"),
    Text.SAFETY_HISTORY: _spec(required="emergency_number"),
    Text.STICKER: _spec(required="emergency_number"),
    Text.FALLBACK: _spec(required="emergency_number"),
    Text.UNSUPPORTED_MESSAGE: _spec(required="emergency_number"),
    Text.SAFETY_MEDIA_KIND: _spec("kind", required="kind"),
    Text.STAFF_SAFETY_ALERT: _spec("tier patient signs words last next told",
                                   required="tier patient words told"),
    Text.SAFETY_VISIT: _spec("when practitioner", required="when"),
    Text.NOTICE_BOOKED: _spec("when minutes practitioner", required="when"),
    Text.NOTICE_MOVED: _spec("old_when when practitioner", required="old_when when"),
    Text.NOTICE_CANCELLED: _spec("when", required="when"),
    Text.TODAY_HEADER: _spec("day", required="day"),
    Text.TODAY_ROW: _spec("number time patient practitioner status",
                          required="number time patient status"),
    Text.STATUS_CHECKIN: _spec("score trend alert", required="score"),
    Text.NO_OPEN_APPOINTMENT: _spec("number", required="number"),
    Text.STAFF_CANCEL_DONE: _spec("number when patient", required="number when"),
    Text.STAFF_MOVE_DONE: _spec("number when patient", required="number when"),
    Text.INVITE_LINKED: _spec("count"),
    Text.CALENDAR_SUMMARY: _spec("practitioner"),
    Text.APPOINTMENTS_LIST: _spec("count"),
    Text.BROADCAST_CONTROL: _spec("count audience", required="count"),
    Text.AUDIENCE_PRACTITIONER: _spec("practitioner", required="practitioner"),
    Text.BROADCAST_PROGRESS: _spec("number done total seconds", required="done total"),
    Text.BROADCAST_REPORT: _spec("number total delivered blocked failed reasons seconds",
                                 required="delivered blocked failed seconds"),
    Text.BROADCASTS_ROW: _spec("number when sender words", required="number words"),
    Text.BOOK_ASK_DAY: _spec("patient"),
    Text.BOOK_WHICH_PATIENT: _spec("reference patients", required="patients"),
    Text.BOOK_ASK_TIME: _spec("day"),
    Text.BOOK_CONFIRM: _spec("patient when minutes practitioner", required="patient when"),
    Text.APPOINTMENT_DETAIL: _spec("when minutes practitioner status", required="when"),
    Text.INVITE_CREATED: _spec("patient link", required="link"),
    Text.INVITE_ALREADY_LINKED: _spec("patient"),
    Text.FORGET_ARE_YOU_SURE: _spec("count"),
    Text.STAFF_FORGOTTEN: _spec("count sessions", required="count"),
    Text.DATE_TIME: _spec("day time", required="day time"),
    Text.LANGUAGE_MENU: _spec("language", required="language"),
    Text.LANGUAGE_ONLY: _spec("language", required="language"),
}

BUTTON_SPECS: dict[Button, TextSpec] = {key: TextSpec() for key in Button} | {
    Button.RELATED_TOPIC: _spec("title", required="title"),
    Button.SETTING_REMINDERS: _spec("mark", required="mark"),
    Button.SETTING_CHECKINS: _spec("mark", required="mark"),
    Button.SETTING_UPDATES: _spec("mark", required="mark"),
}

# The commands the bot registers, in menu order; content/<language>/messages.yaml describes each.
PATIENT_COMMANDS = ("start", "faq", "risks", "appointments", "settings", "language", "stop",
                    "mydata", "forget", "help")
STAFF_COMMANDS = ("unanswered", "book", "today", "cancel", "move", "invite", "broadcast",
                  "broadcasts", "stats", "whoami")

# Texts never sent alone: each is filled into the others as the common field of its name.

