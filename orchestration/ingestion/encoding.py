"""Bytes: one streaming pass for the sha256 and the text encoding, and transcoding to UTF-8
when DuckDB cannot read the encoding itself."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.ingestion.files import LandingFileError

# Bytes of a file read by Python to sniff its dialect; the rest is only streamed for hashing.
SAMPLE_BYTES = 1 << 20

_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)

_HIGH_BYTES = bytes(range(128, 256))

# Bytes 0x80-0x9f that Windows-1252 maps to characters (curly quotes, euro, dashes...).
_CP1252_ONLY = bytes(b for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D))

_NOT_CP1252_ONLY = bytes(b for b in range(256) if b not in _CP1252_ONLY)

# Two line ends in a row (LF or CRLF), in 8-bit text and in UTF-16 of either byte order. The
# first is the cheap one, for files whose first bytes hold no NUL.
_EMPTY_LINE = re.compile(rb"\n\r?\n")

_EMPTY_LINE_UTF16 = re.compile(rb"\n\x00?\r?\x00?\n")


@dataclass
class _TextProfile:
    """What a streaming pass over a file's bytes learns about its encoding."""

    head: bytes = b""
    utf8_valid: bool = True
    utf8_bytes: int = 0  # bytes >= 0x80 inside well-formed UTF-8 sequences
    high_bytes: int = 0  # all bytes >= 0x80
    cp1252_bytes: int = 0  # bytes 0x80-0x9f that only Windows-1252 gives a meaning
    # An empty line somewhere: DuckDB's CSV reader skips those without a trace, so only then
    # are they counted by a second scan (`_blank_lines`).
    empty_line: bool = False
    _tail: bytes = b""
    _decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")()
    )

    def feed(self, chunk: bytes) -> None:
        if not self.empty_line:
            pattern = _EMPTY_LINE_UTF16 if b"\x00" in (self.head or chunk)[:4096] else _EMPTY_LINE
            self.empty_line = pattern.search(self._tail + chunk) is not None
            self._tail = chunk[-5:]
        if len(self.head) < SAMPLE_BYTES:
            self.head += chunk[: SAMPLE_BYTES - len(self.head)]
        if chunk.isascii():
            return
        high = len(chunk) - len(chunk.translate(None, _HIGH_BYTES))
        self.high_bytes += high
        self.cp1252_bytes += len(chunk.translate(None, _NOT_CP1252_ONLY))
        if self.utf8_valid:
            try:
                self._decoder.decode(chunk)
                self.utf8_bytes += high
                return
            except UnicodeDecodeError:
                self.utf8_valid = False
        self.utf8_bytes += sum(len(m) for m in _UTF8_MULTIBYTE.findall(chunk))

    def finish(self) -> None:
        if self.utf8_valid:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8_valid = False


def _open_stream(path: Path, compression: str):  # noqa: ANN202 - a binary file object
    return gzip.open(path, "rb") if compression == "gzip" else path.open("rb")


def _magic(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(8)


def _content_kind(head: bytes) -> str | None:
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    return None


def _hash_and_profile(path: Path, profile: _TextProfile | None) -> str:
    """sha256 of the bytes on disk, and the text profile of the same bytes in the same pass."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            if profile is not None:
                profile.feed(block)
    if profile is not None:
        profile.finish()
    return digest.hexdigest()


def _profile_stream(path: Path, compression: str) -> _TextProfile:
    profile = _TextProfile()
    try:
        with _open_stream(path, compression) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                profile.feed(block)
    except (OSError, EOFError, zlib.error) as exc:
        raise LandingFileError(f"{path}: not a readable gzip file: {exc}") from exc
    profile.finish()
    return profile


def _detect_encoding(path: Path, profile: _TextProfile) -> str:
    """A Python codec name for the file's text, from its byte profile."""
    head = profile.head
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > len(odd) * 0.3 and even.count(0) < len(even) * 0.05:
            return "utf-16-le"
        if even.count(0) > len(even) * 0.3 and odd.count(0) < len(odd) * 0.05:
            return "utf-16-be"
        raise LandingFileError(
            f"{path}: binary content (NUL bytes), not a text file; expected CSV or JSON lines"
        )
    if profile.utf8_valid:
        return "utf-8"
    # Mostly UTF-8 with a few bad bytes (concatenated exports): read as UTF-8 and quarantine
    # the lines that are not, rather than turn every accent into mojibake.
    if profile.utf8_bytes > profile.high_bytes - profile.utf8_bytes:
        return "utf-8"
    return "cp1252" if profile.cp1252_bytes else "latin-1"


def _encoding_label(encoding: str) -> str:
    """The name the ledger gives an encoding: utf-8, utf-8-bom, latin-1, cp1252, utf-16..."""
    name = codecs.lookup(encoding).name
    return {"utf-8-sig": "utf-8-bom", "iso8859-1": "latin-1"}.get(name, name)


def _duckdb_encoding(encoding: str) -> str | None:
    """The `encoding` DuckDB's CSV reader takes for a codec, or None when it needs transcoding."""
    name = codecs.lookup(encoding).name
    if name in ("utf-8", "utf-8-sig"):
        return "utf-8"
    if name in ("latin-1", "iso8859-1"):
        return "latin-1"
    return None


def _transcode(path: Path, compression: str, encoding: str, target: Path) -> None:
    """Stream a file into UTF-8 (for encodings DuckDB cannot read); not a per-row step."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with _open_stream(path, compression) as source, target.open("wb") as out:
        first = True
        for block in iter(lambda: source.read(1 << 20), b""):
            text = decoder.decode(block)
            if first:
                text, first = text.removeprefix("\ufeff"), False
            out.write(text.encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
