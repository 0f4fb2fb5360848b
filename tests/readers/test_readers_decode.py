"""decode_text / decode_html: encodings, binary rejection, normalisation."""

from __future__ import annotations

import pytest

from flows.model import DocumentError
from flows.readers.decode import declared_charset, decode_html, decode_text


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # plain UTF-8 with a non-ASCII character
        ("Ablation \u2013 liver\n".encode(), "Ablation \u2013 liver\n"),
        # UTF-8 with BOM: the BOM is dropped
        (b"\xef\xbb\xbfCPT 47383", "CPT 47383"),
        # UTF-16 LE and BE with BOM
        (b"\xff\xfe" + "Code: 47383 é".encode("utf-16-le"), "Code: 47383 é"),
        (b"\xfe\xff" + "Code: 47383 é".encode("utf-16-be"), "Code: 47383 é"),
        # UTF-32 LE with BOM (its BOM starts like UTF-16 LE's)
        (b"\xff\xfe\x00\x00" + "Über".encode("utf-32-le"), "Über"),
        # UTF-16 LE without BOM, detected from the NUL pattern
        ("Prior authorization required\r\n".encode("utf-16-le"), "Prior authorization required\n"),
        # Windows-1252 en dash (0x96) and CRLF line endings
        (b"2024\x962025\r\nnext line\r\n", "2024\u20132025\nnext line\n"),
        # latin-1 é (invalid UTF-8 falls back to Windows-1252, where 0xE9 is é too)
        (b"caf\xe9", "café"),
        # bytes Windows-1252 leaves undefined still decode (as latin-1 does)
        (b"x" * 100 + b"a\x81b\x8dc", "x" * 100 + "a\x81b\x8dc"),
        # old Mac CR line endings and a Unicode line separator become LF
        (b"one\rtwo\xe2\x80\xa8three", "one\ntwo\nthree"),
    ],
)
def test_decode_text(data: bytes, expected: str) -> None:
    assert decode_text(data) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        # nothing at all
        (b"", "empty_file"),
        # PNG-like junk: NUL bytes and control characters
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "binary_content"),
        # mostly control characters without NUL
        (bytes(range(1, 9)) * 20 + b"text", "binary_content"),
        # a UTF-16 BOM followed by an unpaired surrogate
        (b"\xff\xfe\x00\xd8", "decode_error"),
    ],
)
def test_decode_text_rejects(data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError) as info:
        decode_text(data)
    assert info.value.reason == reason
    assert info.value.message.endswith(".")


def test_a_stray_nul_in_a_long_file_is_replaced() -> None:
    text = decode_text(b"x" * 5000 + b"\x00" + b"y")
    assert text == "x" * 5000 + "\ufffd" + "y"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # <meta charset> names windows-1252: 0x96 is an en dash
        (b'<meta charset="windows-1252"><p>2024\x962025</p>', "2024\u20132025"),
        # http-equiv form, labelled ISO-8859-1 (decoded as windows-1252 per WHATWG)
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
            b"<p>a\x96b</p>",
            "a\u2013b",
        ),
        # no declaration: UTF-8
        ("<p>a\u2013b</p>".encode(), "a\u2013b"),
        # declared UTF-8 but really windows-1252: falls back instead of failing
        (b'<meta charset="utf-8"><p>a\x96b</p>', "a\u2013b"),
        # UTF-7 is never honoured (a script-injection vector)
        (b'<meta charset="utf-7"><p>a+AKM-b</p>', "a+AKM-b"),
        # the BOM beats the declaration
        (b'\xef\xbb\xbf<meta charset="windows-1252"><p>\xe2\x80\x93</p>', "\u2013"),
    ],
)
def test_decode_html(data: bytes, expected: str) -> None:
    assert expected in decode_html(data)


def test_declared_charset_ignores_non_text_codecs() -> None:
    assert declared_charset(b'<meta charset="base64">') in (None, "base64")
    # and decoding still works, falling back to UTF-8
    assert decode_html(b'<meta charset="base64"><p>ok</p>').endswith("<p>ok</p>")
