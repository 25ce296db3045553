"""Bytes to text: what the document declares first, then a detector, and only binary refused.

The order follows the HTML and XML specifications: a byte order mark wins, then the
charset of the HTTP Content-Type header, then the document's own declaration (the XML
prolog's `encoding`, an HTML `<meta charset>` or `http-equiv` Content-Type). A declared
encoding that does not decode the bytes is ignored (servers and pages do lie), then UTF-8
is tried, and last charset-normalizer guesses. One exception: bytes that are valid
UTF-8 (and not ASCII) are read as UTF-8 whatever is declared, because a text in a
single-byte encoding is practically never valid UTF-8 by accident. Labels follow the WHATWG Encoding
Standard where it differs from Python's codecs: "iso-8859-1" and "us-ascii" mean
windows-1252, which is what pages declaring them contain.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

from index.errors import LoadError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Declarations are ASCII in every encoding a page can declare, so they are found in the raw bytes.
_XML_PROLOG = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_SNIFF_BYTES = 4096
# What detection may choose from: the encodings news sites and feeds actually use. Left to itself,
# charset-normalizer reads a short Latin-1 text as cp775 or mac_roman.
DETECTABLE = (
    "utf_8", "utf_16", "utf_32", "cp1252", "iso8859_15", "latin_1", "cp1250", "iso8859_2", "cp1251",
    "koi8_r", "koi8_u", "iso8859_5", "cp1253", "iso8859_7", "cp1254", "iso8859_9", "cp1257", "iso8859_13",
    "cp1255", "cp1256", "shift_jis", "euc_jp", "gb18030", "big5", "euc_kr",
)
# WHATWG: these labels decode as windows-1252 (the C1 range holds quotes and dashes there).
_WINDOWS_1252_ALIASES = {"latin_1", "iso8859_1", "ascii"}


@dataclass(frozen=True)
class Decoded:
    """The text of a document and the encoding it was read with (a Python codec name)."""

    text: str
    encoding: str
    how: str  # "bom", "http", "declared", "utf-8" or "detected"


def charset_of(content_type: str) -> str | None:
    """The charset parameter of a Content-Type header value, if any."""
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def declared_charset(data: bytes) -> str | None:
    """The encoding the document declares in its XML prolog or HTML meta tag, if any."""
    head = data[:_SNIFF_BYTES]
    match = _XML_PROLOG.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def codec_name(label: str | None) -> str | None:
    """Python's codec for an encoding label, WHATWG-adjusted; None for unknown labels."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return "cp1252" if name.replace("-", "_") in _WINDOWS_1252_ALIASES else name


def decode(data: bytes, source: str, content_type: str = "") -> Decoded:
    """Decode a document's bytes.

    Raises LoadError for empty input and for binary data (no encoding gives text).
    """
    if not data.strip():
        raise LoadError(source, "the file is empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(data[len(bom) :].decode(encoding, errors="replace"), encoding, "bom", source)
    if not _looks_binary(data) and not data.isascii():
        # Bytes that are valid UTF-8 and not plain ASCII are UTF-8 whatever is declared: text in a
        # single-byte encoding is practically never valid UTF-8, while servers and templates that
        # declare ISO-8859-1 by default for UTF-8 pages are common.
        try:
            return _checked(data.decode("utf-8"), "utf-8", "utf-8", source)
        except UnicodeDecodeError:
            pass
    for how, label in (("http", charset_of(content_type)), ("declared", declared_charset(data))):
        codec = codec_name(label)
        if codec is not None and not _looks_binary(data):
            try:
                return _checked(data.decode(codec), codec, how, source)
            except UnicodeDecodeError:
                pass  # a wrong declaration: fall through to UTF-8 and detection
    if not _looks_binary(data):
        try:
            return _checked(data.decode("utf-8"), "utf-8", "utf-8", source)
        except UnicodeDecodeError:
            pass
    best = charset_normalizer.from_bytes(data, cp_isolation=list(DETECTABLE)).best()
    if best is None or _looks_binary(data) and not best.encoding.startswith("utf_16") and not best.encoding.startswith("utf_32"):
        raise LoadError(source, "this is binary data, not a text article")
    if b"\xa4" in data and "¤" in str(best) and not re.search(rb"[\x80-\x9f]", data):
        # 0xA4 is "¤" in Latin-1 and the Windows code pages but "€" in Latin-9 (ISO-8859-15), whose
        # 0x80-0x9F are unused; news text holds euros, not currency signs: read as ISO-8859-15.
        return _checked(data.decode("iso8859_15"), "iso8859_15", "detected", source)
    return _checked(str(best), best.encoding, "detected", source)


def _looks_binary(data: bytes) -> bool:
    """NUL bytes never occur in text of a single-byte or UTF-8 encoding."""
    return b"\x00" in data[:8192]


def _checked(text: str, encoding: str, how: str, source: str) -> Decoded:
    if not text.strip():
        raise LoadError(source, "the file is empty")
    control = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if control > max(8, len(text[:8192]) // 100):
        raise LoadError(source, "this is binary data, not a text article")
    return Decoded(text, encoding, how)
