"""Bounded memos of pure functions of one string, for the extractors' hot paths."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

# Generated documents repeat themselves (boilerplate lines, table rows, statements), so
# extractors memoise pure functions of a line or a statement. Only texts up to
# `MEMO_CHARS` long are kept, in memos of bounded size: the memory they hold stays small
# whatever the documents look like.

#: Texts longer than this are never memoised by `text_memo`.
MEMO_CHARS = 600
_T = TypeVar("_T")


class _Memo(dict[str, _T]):
    """Results of `fn` by argument text. A miss computes the result and keeps it when the
    text is short; a full memo is emptied (a bound on memory, like an LRU's)."""

    __slots__ = ("fn", "maxsize")

    def __init__(self, fn: Callable[[str], _T], maxsize: int) -> None:
        super().__init__()
        self.fn = fn
        self.maxsize = maxsize

    def __missing__(self, text: str) -> _T:
        value = self.fn(text)
        if len(text) <= MEMO_CHARS:
            if len(self) >= self.maxsize:
                self.clear()
            self[text] = value
        return value


def text_memo(maxsize: int) -> Callable[[Callable[[str], _T]], Callable[[str], _T]]:
    """Memoise a pure function of one string (see `MEMO_CHARS`). Callers share the cached
    result, so results must never be changed.

    The memoised function is the memo's `__getitem__`: a hit is one dict lookup in C, with
    no Python frame (most calls are hits; a wrapper around an LRU cache cost more than the
    lookup)."""

    def wrap(fn: Callable[[str], _T]) -> Callable[[str], _T]:
        return _Memo(fn, maxsize).__getitem__

    return wrap
