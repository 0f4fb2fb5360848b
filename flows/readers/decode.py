"""Turn untrusted bytes into normalised text: encoding detection, binary rejection, line endings.

`decode_text` is for plain text and markdown, `decode_html` also honours a declared charset.
"""

from __future__ import annotations

import codecs
import re

from flows.model import DocumentError

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 before UTF-16: the UTF-32 LE BOM starts with the UTF-16 LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _cp1252_table() -> str:
    # Windows-1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined; mapping them the way
    # latin-1 does (to the C1 control of the same number) makes the decode total.
    chars = []
    for i in range(256):
        try:
            chars.append(bytes([i]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(i))
    return "".join(chars)


_CP1252 = _cp1252_table()

# Control characters that do not occur in text (tab, LF, VT, FF and CR are allowed).
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Every separator `str.splitlines()` knows, so `text.split("\n")` gives the same lines.
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_MAX_CONTROL_SHARE = 0.05
# The ASCII characters `_CONTROL` matches, as bytes for `bytes.translate`.
_CONTROL_BYTES = bytes(i for i in range(128) if _CONTROL.match(chr(i)))
# The other characters `_CONTROL` matches (U+0080-U+009F), as UTF-8.
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_SNIFF_BYTES = 4096


def decode_cp1252(data: bytes) -> str:
    """Decode as Windows-1252; never fails (undefined bytes map as in latin-1)."""
    if data.isascii():
        return data.decode("ascii")  # Windows-1252 is ASCII below 0x80 (the common case)
    return codecs.charmap_decode(data, "strict", _CP1252)[0]


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) when `data` starts with a Unicode byte-order mark."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the NUL pattern of the first bytes says so, else None.

    Mostly-ASCII UTF-16 has a NUL in every other byte; binary files have NULs everywhere.
    """
    sample = data[:_SNIFF_BYTES]
    half = len(sample) // 2
    if half < 2 or b"\x00" not in sample:
        return None
    even_nuls = sample[0 : half * 2 : 2].count(0)
    odd_nuls = sample[1 : half * 2 : 2].count(0)
    if odd_nuls >= 0.4 * half and even_nuls <= 0.05 * half:
        return "utf-16-le"
    if even_nuls >= 0.4 * half and odd_nuls <= 0.05 * half:
        return "utf-16-be"
    return None


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _binary_error() -> DocumentError:
    return DocumentError(
        "binary_content",
        "The file holds binary data (NUL bytes or control characters), not text; "
        "check that it is really a text document and export it as UTF-8 text.",
    )


def check_text(text: str) -> None:
    """Raise DocumentError('binary_content') when decoded text looks like binary junk.

    A stray NUL or control character is tolerated in a long file (it is replaced later);
    more than one NUL per thousand characters, or 5% control characters, is binary.
    """
    if not text:
        return
    nuls = text.count("\x00")
    if nuls and nuls > len(text) // 1000:
        raise _binary_error()
    if _control_count(text) > _MAX_CONTROL_SHARE * len(text):
        raise _binary_error()


def _control_count(text: str) -> int:
    """How many `_CONTROL` characters `text` holds, counted on its UTF-8 encoding: deleting
    the control bytes (C speed) instead of scanning the text with the pattern."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return len(text) - len(_CONTROL.sub("", text))
    # In UTF-8 a byte below 0x80 is always an ASCII character, and U+0080-U+009F are
    # exactly the pairs C2 80-C2 9F (C2 only ever leads a pair).
    ascii_controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if len(data) == len(text):
        return ascii_controls  # ASCII text: no other control character
    return ascii_controls + len(_C1_UTF8.findall(data))


_BREAK_CHARS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def normalise_text(text: str) -> str:
    """LF line endings (every `splitlines` separator), no leading BOM, NUL as U+FFFD."""
    if text.startswith("\ufeff"):
        text = text[1:]
    # Fast path for LF text: a few substring scans (memchr) instead of a regex pass.
    if any(c in text for c in _BREAK_CHARS):
        text = _LINE_BREAKS.sub("\n", text)
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    return text


def _empty_error() -> DocumentError:
    return DocumentError(
        "empty_file",
        "The file is empty (0 bytes); re-export or re-download it from its source.",
    )


def _decode_with_bom(data: bytes, encoding: str, bom_len: int) -> str | None:
    text = _try(data[bom_len:], encoding)
    if text is None and encoding != "utf-8":
        raise DocumentError(
            "decode_error",
            f"The file starts with a {encoding.upper()} byte-order mark but is not valid "
            f"{encoding.upper()}; it may be truncated or mislabelled. Re-export it as UTF-8.",
        )
    # A UTF-8 BOM followed by invalid UTF-8 is a mixed-up file: fall back like a BOM-less one.
    return text


def _decode_fallbacks(data: bytes) -> str:
    # UTF-16 is tried first when the NUL pattern says so: ASCII-range UTF-16 is also valid
    # UTF-8 (NUL is a valid UTF-8 character), just not meaningful as UTF-8.
    utf16 = utf16_without_bom(data)
    if utf16 is not None:
        text = _try(data, utf16)
        if text is not None:
            return text
    text = _try(data, "utf-8")
    if text is not None:
        return text
    return decode_cp1252(data)


def _decode_by_bom(data: bytes) -> tuple[str | None, bytes]:
    """Decode by byte-order mark: (text, data), or (None, data without a BOM that did not
    decode) for the caller's fallbacks. Raises `empty_file` for no bytes."""
    if not data:
        raise _empty_error()
    bom = bom_encoding(data)
    if bom is None:
        return None, data
    text = _decode_with_bom(data, *bom)
    return (text, data) if text is not None else (None, data[bom[1] :])


def decode_text(data: bytes) -> str:
    """Decode untrusted bytes to normalised text.

    Order: byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE), UTF-16 without BOM when the
    NUL pattern says so, strict UTF-8, then Windows-1252 (total). Raises DocumentError with
    `empty_file`, `decode_error` or `binary_content`.
    """
    text, data = _decode_by_bom(data)
    if text is None:
        text = _decode_fallbacks(data)
    check_text(text)
    return normalise_text(text)


# --- HTML ---------------------------------------------------------------------------------

_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
# Declared charsets that are never honoured: an ASCII page cannot really be UTF-16/32 (the
# WHATWG rule), and UTF-7 or escape codecs are script-injection vectors, not charsets.
_REFUSED_CODECS = frozenset(
    {
        "utf-16",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
        "utf-32-le",
        "utf-32-be",
        "utf-7",
        "unicode-escape",
        "raw-unicode-escape",
        "idna",
        "punycode",
        "undefined",
    }
)
# WHATWG: pages labelled latin-1 or ASCII are decoded as windows-1252.
_AS_CP1252 = frozenset({"latin-1", "iso8859-1", "ascii", "cp1252"})


def declared_charset(data: bytes) -> str | None:
    """Python codec name of a `<meta charset>` / http-equiv / XML encoding in the first 2 KB."""
    head = data[:2048]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    if match is None:
        return None
    label = match.group(1).decode("ascii", "replace").strip().lower()
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in _REFUSED_CODECS:
        return None
    return "cp1252" if name in _AS_CP1252 else name


def decode_html(data: bytes) -> str:
    """Decode an HTML page: BOM, then a declared charset, then UTF-8, then Windows-1252.

    Raises DocumentError like `decode_text`.
    """
    text, data = _decode_by_bom(data)
    if text is None:
        charset = declared_charset(data)
        if charset == "cp1252":
            text = decode_cp1252(data)
        elif charset is not None:
            text = _try(data, charset)
    if text is None:
        text = _decode_fallbacks(data)
    check_text(text)
    return normalise_text(text)
