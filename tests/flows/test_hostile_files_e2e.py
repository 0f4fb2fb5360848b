"""Hostile and broken files through the real flow: each is quarantined with a clear reason
and nothing of its forbidden content reaches the published tables."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from flows.pipeline import run_flow
from flows.publish import TableStore
from flows.settings import Settings
from schemas import DATASETS
from tests.readers.reader_builders import build_pdf

pytestmark = pytest.mark.e2e

SECRET = "TOP-SECRET-7f3a"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return buffer.getvalue()


def test_hostile_files_are_quarantined(prefect_harness, sources_dir, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    folder = sources_dir / "payer_policies" / "aetna"
    folder.mkdir(parents=True)
    xxe = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><h1>Aetna Clinical Policy Bulletin</h1>'
        "<p>Number: 0999</p><p>Last Review: 01/02/2026</p><p>&xxe;</p></body></html>"
    )
    (folder / "xxe.xhtml").write_text(xxe, encoding="utf-8")
    good_pdf = build_pdf([["Cigna Medical Coverage Policy", "Coverage Policy Number: 0123"]] * 2)
    (folder / "truncated.pdf").write_bytes(good_pdf[: len(good_pdf) // 2])
    (folder / "encrypted.pdf").write_bytes(build_pdf([["secret policy"]], user_password="pw"))
    (folder / "bundle.zip").write_bytes(_zip({"a.txt": b"hello"}))
    bomb = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b" " * 3_000_000})
    (folder / "bomb.docx").write_bytes(bomb)
    (folder / "scan.pdf").write_bytes(build_pdf([[]]))
    output = tmp_path / "output"
    run_flow(Settings(sources=sources_dir, output=output, workers=1, max_unzipped_bytes=1_000_000))

    store = TableStore(output)
    reasons = {
        q["source_path"].rsplit("/", 1)[-1]: q["reason"]
        for q in store.read("quarantine").to_pylist()
    }
    assert reasons["truncated.pdf"] in {"pdf_truncated", "pdf_unreadable"}
    assert reasons["encrypted.pdf"] == "pdf_encrypted"
    assert reasons["bundle.zip"] == "unsupported_type"
    assert reasons["bomb.docx"] == "zip_bomb"
    assert reasons["scan.pdf"] == "no_text_layer"
    for q in store.read("quarantine").to_pylist():
        assert len(q["message"]) > 30, q  # a sentence a person can act on
    docs = {
        d["source_path"].rsplit("/", 1)[-1]: d["status"]
        for d in store.read("documents").to_pylist()
    }
    assert {docs[n] for n in ("truncated.pdf", "encrypted.pdf", "bundle.zip", "bomb.docx")} == {
        "rejected"
    }
    # The XHTML page is read, but its external entity is never resolved.
    for name in DATASETS:
        dump = json.dumps(store.read(name).to_pylist(), default=str)
        assert SECRET not in dump, name
