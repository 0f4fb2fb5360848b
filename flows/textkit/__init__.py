"""Shared text primitives for every extractor, one module per topic: `memo` (bounded memos
of pure functions of a string), `lines` (lines with offsets, inline markup, bullets, pipe and
aligned rows), `headings`, `labels` (`Label: value` lines), `codes` (billing-code patterns),
`dates` and `money`.

All functions take untrusted text and never raise on odd input; they return None or empty.
"""
