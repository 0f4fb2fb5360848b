"""Reference data the extractors and checks use: the payer registry (ids and aliases) and
the list of valid CPT/HCPCS modifiers, both read from the CSV files beside this module."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).with_name("reference")


@dataclass(frozen=True, slots=True)
class PayerMention:
    """A payer named in text: its registry id, the name as written and its span."""

    payer_id: str
    name: str
    start: int
    end: int


class PayerRegistry:
    """Resolves payer names as written in documents ("Cigna Health", "UHC") to stable ids."""

    def __init__(self, rows: list[tuple[str, str, list[str]]]) -> None:
        self.names: dict[str, str] = {}
        self._resolved: dict[str, str | None] = {}
        self._by_alias: dict[str, str] = {}
        exact: list[str] = []
        folded: list[str] = []
        for payer_id, name, aliases in rows:
            self.names[payer_id] = name
            for alias in [payer_id, name, *aliases]:
                alias = alias.strip()
                if not alias:
                    continue
                self._by_alias[self._fold(alias)] = payer_id
                # Short all-caps acronyms (UHC, CMS, MAC, KP) only match as written, so
                # "mac" in a sentence or "Kp" never resolve to a payer.
                (exact if alias.isupper() and len(alias) <= 5 else folded).append(alias)
        by_length = sorted(set(folded), key=len, reverse=True)
        self._pattern_folded = re.compile(
            r"(?<![\w-])(" + "|".join(re.escape(a) for a in by_length) + r")(?![\w-])",
            re.IGNORECASE,
        )
        by_length = sorted(set(exact), key=len, reverse=True)
        self._pattern_exact = re.compile(
            r"(?<![\w-])(" + "|".join(re.escape(a) for a in by_length) + r")s?(?![\w-])"
        )

    @staticmethod
    def _fold(name: str) -> str:
        return " ".join(re.findall(r"[a-z0-9]+", name.lower().replace("&", " and ")))

    @property
    def payer_ids(self) -> frozenset[str]:
        return frozenset(self.names)

    def resolve(self, name: str) -> str | None:
        """The payer id for a name as written, or None when it is not in the registry."""
        if name in self._resolved:
            return self._resolved[name]
        if len(self._resolved) > 10_000:
            self._resolved.clear()  # bound the memo on adversarial input
        self._resolved[name] = found = self._resolve(name)
        return found

    def _resolve(self, name: str) -> str | None:
        folded = self._fold(name)
        if folded in self._by_alias:
            return self._by_alias[folded]
        mentions = self.find(name)
        return mentions[0].payer_id if len(mentions) == 1 else None

    def find(self, text: str) -> list[PayerMention]:
        """Every payer mention in `text`, left to right, longest alias first."""
        found: list[PayerMention] = []
        for pattern in (self._pattern_folded, self._pattern_exact):
            for m in pattern.finditer(text):
                alias = m.group(1)
                payer_id = self._by_alias.get(self._fold(alias))
                if payer_id and not any(f.start < m.end() and m.start() < f.end for f in found):
                    found.append(PayerMention(payer_id, alias, m.start(), m.end()))
        return sorted(found, key=lambda f: f.start)


@cache
def payer_registry() -> PayerRegistry:
    """The registry from `reference/payers.csv` (loaded once per process)."""
    with (REFERENCE_DIR / "payers.csv").open(newline="", encoding="utf-8") as fh:
        rows = [
            (r["payer_id"], r["name"], [a for a in r["aliases"].split(";") if a])
            for r in csv.DictReader(fh)
        ]
    return PayerRegistry(rows)


@cache
def valid_modifiers() -> frozenset[str]:
    """Every valid CPT and HCPCS Level II modifier from `reference/modifiers.csv`."""
    with (REFERENCE_DIR / "modifiers.csv").open(newline="", encoding="utf-8") as fh:
        return frozenset(r["modifier"].strip().upper() for r in csv.DictReader(fh))
