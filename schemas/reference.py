"""Reference data the extractors and checks use: the payer registry (ids and aliases) and
the list of valid CPT/HCPCS modifiers, both read from the CSV files beside this module."""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

REFERENCE_DIR = Path(__file__).with_name("reference")
#: The payer id of a policy whose issuer cannot be told (`reference/payers.csv`).
UNKNOWN_PAYER = "unknown"


def trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation matching any of `words`, longest first, factored by common
    prefix: Python's `re` tries a flat alternation of n words at every position, the trie
    one branch per character (several times faster on ~80 payer aliases)."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + emit(node[char]) for char in sorted(node) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a word ends here: the longer words are optional, tried first
            return "(?:" + body + ")?" if len(branches) == 1 else body + "?"
        return body

    return emit(root)


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
            if payer_id == UNKNOWN_PAYER:
                continue  # a placeholder id, never a name to find in text
            for alias in [payer_id, name, *aliases]:
                alias = alias.strip()
                if not alias:
                    continue
                self._by_alias[self._fold(alias)] = payer_id
                # Short all-caps acronyms (UHC, CMS, MAC, KP) only match as written, so
                # "mac" in a sentence or "Kp" never resolve to a payer.
                (exact if alias.isupper() and len(alias) <= 5 else folded).append(alias)
        folded_pattern = r"(?<![\w-])(" + trie_pattern(a.lower() for a in folded) + r")(?![\w-])"
        self._pattern_folded = re.compile(folded_pattern, re.IGNORECASE)
        # The same pattern without IGNORECASE, for ASCII text lower-cased (same offsets):
        # its literals are all lower case, and case-sensitive matching is faster.
        self._pattern_lowered = re.compile(folded_pattern)
        self._pattern_exact = re.compile(r"(?<![\w-])(" + trie_pattern(exact) + r")s?(?![\w-])")
        #: Every exact alias: text that holds none of them cannot match `_pattern_exact`.
        self._exact = tuple(exact)
        #: Payer id by an alias's lower-cased spelling (what `_fold` then `_by_alias` give).
        self._by_lower = {a.lower(): self._by_alias[self._fold(a)] for a in [*folded, *exact]}

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
        for matches in self._matches(text):
            for m in matches:
                start, end = m.span(1)
                alias = text[start:end]
                payer_id = self._by_lower.get(alias.lower()) or self._by_alias.get(
                    self._fold(alias)
                )
                if payer_id and not any(f.start < m.end() and m.start() < f.end for f in found):
                    found.append(PayerMention(payer_id, alias, m.start(), m.end()))
        return sorted(found, key=lambda f: f.start)

    def first(self, text: str) -> PayerMention | None:
        """`find(text)[0]`, or None. A folded alias right at the start of ASCII text is the
        first mention whatever follows (no mention starts earlier, and the ones that would
        overlap it are dropped), so then the rest of the text is not searched."""
        if text.isascii():
            m = self._pattern_lowered.match(text.lower())
            if m:
                alias = text[m.start(1) : m.end(1)]
                return PayerMention(self._by_lower[alias.lower()], alias, m.start(), m.end())
        found = self.find(text)
        return found[0] if found else None

    def _matches(self, text: str) -> Iterator[Iterator[re.Match[str]]]:
        """The folded matches, then the exact ones, each found the cheapest exact way."""
        if text.isascii():
            yield self._pattern_lowered.finditer(text.lower())
        else:
            yield self._pattern_folded.finditer(text)
        if any(alias in text for alias in self._exact):
            yield self._pattern_exact.finditer(text)


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


@cache
def policy_labels() -> tuple[dict[str, str], ...]:
    """The header-label lexicon of payer policies, `reference/policy_labels.csv`: one row
    per spelling (field, label, payer, strict, policy_type, rank, id_shape)."""
    with (REFERENCE_DIR / "policy_labels.csv").open(newline="", encoding="utf-8") as fh:
        return tuple(dict(row) for row in csv.DictReader(fh))


@cache
def policy_layouts() -> dict[str, Any]:
    """Per-payer layout hints and the section-role vocabulary of payer policies,
    `reference/policy_layouts.toml`."""
    with (REFERENCE_DIR / "policy_layouts.toml").open("rb") as fh:
        return tomllib.load(fh)
