"""Synthetic corpus generator: code reports and payer policies for tests and benchmarks.

`synthesize_corpus(root, reports=..., policies=..., seed=...)` writes

    root/code_reports/<cpt|hcpcs>_<code>_<slug>[_v<n>].<txt|md>
    root/payer_policies/<payer_id>/<prefix>_<policy id>_<slug>_<year>.<txt|md|html>

Everything is templated from the word lists in `words.py` (no real document is copied) and is
deterministic: every file is built from its own `random.Random("<seed>/<kind>/<n>")`, so
the same arguments always give the same bytes, whatever the machine or PYTHONHASHSEED.

Code reports follow the genre of the seed report (`../shared/seeds/`) with the variants the
extractor handles (flows/extract/code_report/, flows/textkit/): unmarked, `#`, `**bold**`
and ALL CAPS headings; `Label: value`, `**Label:** value`, `- **Label:** value` and
`Label - value` lines; payer-list sentences naming payers by alias (UHC, BCBS, Cigna Health,
CMS, Kaiser Permanente, ...); modifier pipe tables with or without outer pipes, alignment
rows and a fourth column, "Data not available in the input." instead of a table, and a few
documents that stop in the middle of a table row; payer coverage lines stating prior
authorization (as lines, bullets or a pipe table); dated policy updates in several date
spellings; benchmarks with `$` amounts or "Data not available in the input"; documentation
lists. About 4 % are Windows-1252 with CRLF line endings and 2 % UTF-16 LE with a BOM.
Codes are CPT Category I (`47383`), II (`3074F`), III (`0581T`) and HCPCS Level II
(`J9271`), spread over many distinct codes; about one code in six has several versions.

Payer policies use the Aetna (Clinical Policy Bulletin), Cigna (Medical Coverage Policy),
UnitedHealthcare (Medical Policy), BCBS (medical policy) and Medicare (LCD) layouts with the
labels of the samples in `sources/payer_policies/`; when "html" is in `formats`, Aetna
bulletins and half of the Medicare LCDs are written as HTML. Policy series have one to three
versions (new dates, a code that changes coverage, a code added, a revision row).

`mutate_corpus(root, fraction, seed)` then rewrites a given share of the files with a small
change (a benchmark amount or one added sentence), keeping each file's encoding, for
"1 % changed" reruns.

Plain Python, standard library only; not imported by the pipeline and not in the wheel.
From the command line: `uv run python -m bench.synth DIR [--reports N] [--policies M]
[--seed S] [--mutate FRACTION] [--formats txt,md,html]` (see `__main__.py`).

Modules: `words` (the word lists), `common` (helpers and billing codes), `reports` (code
reports), `policies` (policy series and versions), `policy_text` and `policy_html` (the
layouts), `corpus` (`synthesize_corpus` and `mutate_corpus`).
"""

from __future__ import annotations

from bench.synth.corpus import mutate_corpus, synthesize_corpus

__all__ = ["mutate_corpus", "synthesize_corpus"]
