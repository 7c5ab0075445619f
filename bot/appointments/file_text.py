"""An appointment file's bytes as text, a piece at a time: the file is never held whole
in memory, as bytes or as text (a 20 MB export would take several times that as Python
objects), and it can be read from the start as often as the import needs (a check, a
count, the rows).

The encoding is found as a spreadsheet's or a practice system's export has it: UTF-8
(with or without the BOM Excel writes), UTF-16 (Excel's "Unicode text"), else
Windows-1252 (a spreadsheet's default "CSV" on Windows in Western Europe and the
Americas), whose five undefined bytes are read as Latin-1 would.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

# Read a little at a time: pieces below glibc's threshold for their own memory map are
# reused as they are freed (a megabyte at a time left the heap scattered; bench/importing.py).
CHUNK_BYTES = 1 << 16
_SNIFF_BYTES = 4000


def _as_latin_1(error: UnicodeError) -> tuple[str, int]:
    if isinstance(error, UnicodeDecodeError):
        return error.object[error.start:error.end].decode("latin-1"), error.end
    raise error


codecs.register_error("clinic-latin-1", _as_latin_1)


@dataclass(frozen=True)
class Encoding:
    codec: str
    errors: str
    name: str  # as people call it: "UTF-8", "Windows-1252", ...


UTF_8 = Encoding("utf-8", "strict", "UTF-8")
WINDOWS_1252 = Encoding("cp1252", "clinic-latin-1", "Windows-1252")


class FileText:
    """A binary file (seekable) read as text, from the start, each time `pieces()` is
    called. The caller keeps the file open while it reads."""

    def __init__(self, binary: BinaryIO) -> None:
        self._binary = binary
        self.encoding = _encoding_of(self._chunks())

    def _chunks(self) -> Iterator[bytes]:
        self._binary.seek(0)
        while chunk := self._binary.read(CHUNK_BYTES):
            yield chunk

    def pieces(self) -> Iterator[str]:
        """The text, in pieces of about a megabyte; a NUL, which is no character of any
        field (and which PostgreSQL would refuse), becomes U+FFFD, which marks its row as
        damaged."""
        decoder = codecs.getincrementaldecoder(self.encoding.codec)(self.encoding.errors)
        for chunk in self._chunks():
            if piece := decoder.decode(chunk):
                yield piece.replace("\x00", "\ufffd")
        if rest := decoder.decode(b"", final=True):
            yield rest.replace("\x00", "\ufffd")


def _encoding_of(chunks: Iterator[bytes]) -> Encoding:
    first = next(chunks, b"")
    if first.startswith(codecs.BOM_UTF8):
        return Encoding("utf-8-sig", "replace", "UTF-8 with BOM")
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Encoding("utf-16", "replace", "UTF-16")
    sample = first[:_SNIFF_BYTES]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return Encoding("utf-16-le", "replace", "UTF-16")
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return Encoding("utf-16-be", "replace", "UTF-16")
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(first)
        for chunk in chunks:
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return WINDOWS_1252
    return UTF_8


def decode(data: bytes | bytearray) -> tuple[str, str]:
    """The text of bytes held whole, and the encoding it was in (as `FileText` reads it)."""
    chunks = (bytes(data[start:start + CHUNK_BYTES])
              for start in range(0, len(data), CHUNK_BYTES))
    encoding = _encoding_of(chunks)
    text = bytes(data).decode(encoding.codec, encoding.errors)
    return text, encoding.name
