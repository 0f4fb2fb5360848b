"""Score payer-policy extraction against the hand-written goldens in tests/data/payer_policy.

    uv run python bench/accuracy.py            # the table, train and held-out apart
    uv run python bench/accuracy.py -v         # and every failed check
    uv run python bench/accuracy.py --json     # the scores as JSON

Each case is read as the pipeline reads it (sniffed, converted by the real reader, then
classified and extracted) from `payer_policies/<case>.<ext>`, so no payer folder hints
the payer. The checks follow the acceptance of the real-layouts issue: published (or
rejected as `not_a_policy`), payer id, policy id, title, effective and last-reviewed
dates, each expected code found, each found code's coverage, prior authorization on
prior-authorization lists, and no code taken from the strings a golden lists as
`not_codes`. Codes also get precision and recall, and coverage a confusion matrix.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flows.extract import extract_document  # noqa: E402
from flows.model import DocumentError, Limits  # noqa: E402
from flows.readers import read_document, sniff_media_type  # noqa: E402

CASES = ROOT / "tests" / "data" / "payer_policy"
SCALAR_FIELDS = (
    "payer_id",
    "policy_id",
    "title",
    "effective_date",
    "last_reviewed_date",
    "issuer",
    "line_of_business",
    "policy_type",
)
#: The fields the acceptance counts; the others are reported but not in the headline.
HEADLINE_FIELDS = ("payer_id", "policy_id", "title", "effective_date", "last_reviewed_date")


def input_of(case: Path) -> Path:
    """The case's document: `input.<ext>`."""
    (found,) = [p for p in case.glob("input.*")]
    return found


def extract_case(case: Path) -> dict[str, Any]:
    """What the pipeline makes of a case: status, reason, the policy row, its codes."""
    path = input_of(case)
    data = path.read_bytes()
    source_path = f"payer_policies/{case.name}{path.suffix}"
    try:
        media_type = sniff_media_type(data, source_path)
        if media_type is None:
            return {"status": "rejected", "reason": "unsupported_type"}
        doc = read_document(data, media_type, Limits())
    except DocumentError as exc:
        return {"status": "rejected", "reason": exc.reason}
    ex = extract_document(doc, source_path)
    whole = [p.reason for p in ex.problems if p.record is None]
    if whole:
        return {"status": "rejected", "reason": whole[0]}
    policies = ex.records.get("payer_policies") or [{}]
    return {
        "status": "partial" if ex.problems else "ok",
        "policy": policies[0],
        "codes": ex.records.get("policy_codes", []),
        "problems": [p.reason for p in ex.problems],
    }


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.casefold().split())
    return value.isoformat() if hasattr(value, "isoformat") else value


@dataclass
class Score:
    """Counts over a group of cases."""

    cases: int = 0
    checks: int = 0
    passed: int = 0
    headline_checks: int = 0
    headline_passed: int = 0
    codes_expected: int = 0
    codes_found: int = 0
    codes_right: int = 0
    coverage_checked: int = 0
    coverage_right: int = 0
    prior_auth_checked: int = 0
    prior_auth_right: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def check(self, case: str, what: str, ok: bool, detail: str, headline: bool = True) -> None:
        self.checks += 1
        self.passed += ok
        if headline:
            self.headline_checks += 1
            self.headline_passed += ok
        if not ok:
            self.failures.append(f"{case}: {what}: {detail}")

    def summary(self) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "cases": self.cases,
            "field_checks": ratio(self.headline_passed, self.headline_checks),
            "all_checks": ratio(self.passed, self.checks),
            "code_precision": ratio(self.codes_right, self.codes_found),
            "code_recall": ratio(self.codes_right, self.codes_expected),
            "coverage_right": ratio(self.coverage_right, self.coverage_checked),
            "prior_auth_right": ratio(self.prior_auth_right, self.prior_auth_checked),
            "confusion": {f"{e}->{g}": n for (e, g), n in sorted(self.confusion.items())},
        }


def score_case(case: Path, expected: dict[str, Any], score: Score) -> None:
    """Add one case's checks to `score`."""
    name = case.name
    got = extract_case(case)
    score.cases += 1
    if expected["status"] == "rejected":
        ok = got["status"] == "rejected" and got.get("reason") == expected.get("reason")
        score.check(name, "rejected", ok, f"got {got['status']} {got.get('reason')}")
        return
    published = got["status"] in ("ok", "partial")
    score.check(name, "published", published, f"got {got['status']} {got.get('reason')}")
    policy = got.get("policy", {})
    for key in SCALAR_FIELDS:
        if key in expected:
            want, have = _norm(expected[key]), _norm(policy.get(key))
            score.check(
                name, key, want == have, f"want {want!r}, got {have!r}", key in HEADLINE_FIELDS
            )
    _score_codes(name, expected, got.get("codes", []), score)


def _score_codes(
    name: str, expected: dict[str, Any], rows: list[dict[str, Any]], score: Score
) -> None:
    want: dict[str, dict[str, set[Any]]] = {}
    for entry in expected.get("codes", []):
        slot = want.setdefault(entry["code"].upper(), {"coverage": set(), "prior_auth": set()})
        slot["coverage"].add(entry.get("coverage"))
        if "prior_auth" in entry:
            slot["prior_auth"].add(entry["prior_auth"])
    have: dict[str, dict[str, set[Any]]] = {}
    for row in rows:
        slot = have.setdefault(row["code"], {"coverage": set(), "prior_auth": set()})
        slot["coverage"].add(row["coverage"])
        slot["prior_auth"].add(row.get("prior_auth"))
    score.codes_expected += len(want)
    score.codes_found += len(have)
    right = set(want) & set(have)
    score.codes_right += len(right)
    for code in sorted(set(want) - set(have)):
        score.check(name, "code found", False, f"{code} missing")
    for code in sorted(right):
        score.check(name, "code found", True, code)
        ok = want[code]["coverage"] == have[code]["coverage"]
        score.coverage_checked += 1
        score.coverage_right += ok
        for w in want[code]["coverage"]:
            for h in have[code]["coverage"]:
                score.confusion[(w, h)] += 1
        score.check(
            name,
            "coverage",
            ok,
            f"{code} want {sorted(want[code]['coverage'])}, got {sorted(have[code]['coverage'])}",
        )
        if want[code]["prior_auth"] and expected.get("policy_type") == "prior_auth_list":
            pa_ok = want[code]["prior_auth"] == have[code]["prior_auth"]
            score.prior_auth_checked += 1
            score.prior_auth_right += pa_ok
            score.check(
                name,
                "prior_auth",
                pa_ok,
                f"{code} want {sorted(want[code]['prior_auth'])}, "
                f"got {sorted(have[code]['prior_auth'])}",
            )
    for code in sorted(set(have) - set(want)):
        score.failures.append(f"{name}: extra code {code} ({sorted(have[code]['coverage'])})")
    taken = [c for c in expected.get("not_codes", []) if c.upper() in have]
    score.check(name, "no code from prose, history or ids", not taken, f"took {taken}")


def score_all(split: str | None = None) -> dict[str, Score]:
    """Scores by split (`train`, `heldout`) and over every case (`all`)."""
    scores = {"train": Score(), "heldout": Score(), "all": Score()}
    for case in sorted(p for p in CASES.iterdir() if (p / "expected.json").is_file()):
        if not any(case.glob("input.*")):
            continue
        expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
        which = expected.get("split", "train")
        if split and which != split:
            continue
        score_case(case, expected, scores[which])
        score_case(case, expected, scores["all"])
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="list every failed check")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args()
    scores = score_all()
    if args.json:
        print(json.dumps({k: s.summary() for k, s in scores.items()}, indent=2))
        return
    print(
        "| split | cases | field checks | all checks | code precision | code recall "
        "| coverage right | prior auth right |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, s in scores.items():
        m = s.summary()
        cells = [
            m[k]
            for k in (
                "field_checks",
                "all_checks",
                "code_precision",
                "code_recall",
                "coverage_right",
                "prior_auth_right",
            )
        ]
        shown = ["-" if v is None else f"{v:.1%}" for v in cells]
        print(f"| {name} | {m['cases']} | " + " | ".join(shown) + " |")
    print("\ncoverage confusion (all, expected -> found):", scores["all"].summary()["confusion"])
    if args.verbose:
        for s in ("train", "heldout"):
            print(f"\n# {s}")
            for line in scores[s].failures:
                print(" ", line)


if __name__ == "__main__":
    main()
