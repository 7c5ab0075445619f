"""What staff do: /book (typed, and the guided dialog), /today, /cancel and /move,
importing a CSV file sent to the bot, /broadcast and /broadcasts, and answering
patients' questions from the staff chat (`relay`). Each handler is registered behind the
staff door (handlers/staff_door.py), which lets through only staff (STAFF_USER_IDS); no
handler checks it again."""
