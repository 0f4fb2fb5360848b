"""Score payer-policy extraction on real public documents you collect (a script, not a test).

    uv run python bench/real_documents.py DIR [DIR ...]     # the share handled right
    uv run python bench/real_documents.py -v DIR            # and every document's reading

Real payer documents are the measure, but their text is not ours: it stays out of the
repository. Keep each collection in a folder of its own, outside the repository:

* the documents, as saved (`.txt`, `.html`, `.pdf`, `.docx`: read by the real readers);
* `expected.jsonl`, one line per document, written by reading the document, never from the
  extractor's output:

      {"file": "07_humana_sleep.txt", "is_policy": true, "payer_id": "humana",
       "policy_id": "HUM-0381-026", "effective_date": "2023-02-02", "codes": ["95806"]}

  `is_policy` false for index, FAQ, news and update pages (they must be rejected as
  `not_a_policy`); for a policy or code list, `payer_id` is the registry id (`unknown` when
  the text names no registered payer), `policy_id` and `effective_date` (ISO, the 1st for a
  month-only date) are null when the text shows none, and `codes` are the codes the text
  lists as the policy's own (not those of background, references or history). The fields
  follow the golden contract of `tests/data/payer_policy/README.md` (Aetna's `Effective` is
  the original date; a `File Name:` slug is the policy number).

A policy is handled right when it is published (status ok or partial) with the payer, the
policy number and the effective date expected, and every expected code among its codes; a
page that is not a policy, when it is rejected as `not_a_policy`. Codes also get precision
and recall over all documents. Each document is read as the pipeline reads it, from
`payer_policies/<file>`, so no payer folder hints the payer.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows.extract import extract_document  # noqa: E402
from flows.model import DocumentError, Limits  # noqa: E402
from flows.readers import read_document, sniff_media_type  # noqa: E402


def read(path: Path) -> tuple[list[str], dict[str, Any], set[str]]:
    """(whole-document problems, the policy row, the codes found) for one document."""
    data = path.read_bytes()
    source_path = f"payer_policies/{path.name}"
    try:
        media_type = sniff_media_type(data, source_path)
        if media_type is None:
            return ["unsupported_type"], {}, set()
        doc = read_document(data, media_type, Limits())
    except DocumentError as exc:
        return [exc.reason], {}, set()
    ex = extract_document(doc, source_path)
    rejected = [p.reason for p in ex.problems if p.record is None]
    policy = (ex.records.get("payer_policies") or [{}])[0]
    return rejected, policy, {r["code"] for r in ex.records.get("policy_codes", [])}


def judge(expected: dict[str, Any], folder: Path) -> tuple[bool, str, set[str], set[str]]:
    """(handled right, why, codes expected, codes found) for one line of expected.jsonl."""
    rejected, policy, codes = read(folder / expected["file"])
    want = set(expected.get("codes") or [])
    if not expected["is_policy"]:
        return rejected == ["not_a_policy"], f"got {rejected or 'published'}", want, codes
    effective = policy.get("effective_date")
    got = {
        "payer_id": policy.get("payer_id"),
        "policy_id": policy.get("policy_id"),
        "effective_date": effective.isoformat() if effective else None,
    }
    wrong = {k: (v, expected.get(k)) for k, v in got.items() if v != expected.get(k)}
    good = not rejected and not wrong and want <= codes
    why = (
        f"rejected={rejected} "
        + " ".join(f"{k}={v!r} (want {w!r})" for k, (v, w) in wrong.items())
        + f" missing={sorted(want - codes)} extra={sorted(codes - want)}"
    )
    return good, why, want, codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="every document's reading")
    args = parser.parse_args()
    for folder in args.folders:
        right = total = tp = fp = fn = 0
        for line in (folder / "expected.jsonl").read_text().splitlines():
            if not line.strip():
                continue
            expected = json.loads(line)
            good, why, want, codes = judge(expected, folder)
            total += 1
            right += good
            tp, fp, fn = tp + len(codes & want), fp + len(codes - want), fn + len(want - codes)
            if not good or args.verbose:
                print(f"{'ok  ' if good else 'MISS'} {expected['file']}: {why}")
        print(
            f"{folder}: {right}/{total} handled right ({right / max(1, total):.0%}); codes "
            f"precision {tp / max(1, tp + fp):.2f}, recall {tp / max(1, tp + fn):.2f}"
        )


if __name__ == "__main__":
    main()
