"""The changes between two versions of a document, in Python: the reference the change log
computed in Arrow (`flows.history.changes`) must equal, and what `policy-etl diff` shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flows.history.compared import COMPARED


def _format(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def version_entities(
    rows: list[dict[str, Any]], key_cols: tuple[str, ...], fields: tuple[str, ...]
) -> dict[str, dict[str, str | None]]:
    """Each entity of one version's `rows`, by key: its fields as text. An entity listed
    more than once in a version (a code under two groupings) gets, per field, its distinct
    values sorted and joined, whatever order the rows come in."""
    seen: dict[str, dict[str, set[str]]] = {}
    for row in rows:
        key = " | ".join(_format(row.get(c)) or "" for c in key_cols)
        values = seen.setdefault(key, {f: set() for f in fields})
        for f in fields:
            value = _format(row.get(f))
            if value is not None:
                values[f].add(value)
    return {
        key: {f: ", ".join(sorted(v)) if v else None for f, v in values.items()}
        for key, values in seen.items()
    }


def diff_versions(
    kind: str,
    old: dict[str, list[dict[str, Any]]] | None,
    new: dict[str, list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Changes from `old` to `new` (records by dataset); `old` None for a first version."""
    changes: list[dict[str, Any]] = []
    compared = COMPARED.get(kind, [])
    # A first version is one `added` row for its primary entity (the first compared one).
    for dataset, entity, key_cols, fields in compared if old is not None else compared[:1]:
        before = version_entities(old.get(dataset, []), key_cols, fields) if old is not None else {}
        after = version_entities(new.get(dataset, []), key_cols, fields)
        for key in sorted(set(before) | set(after)):
            if key not in before:
                if old is None and entity not in ("policy", "code_report"):
                    continue  # a first version is one `added` row, not one per record
                changes.append(
                    _change(entity, key, "*", "added", None, _summary(after[key]) or key)
                )
            elif key not in after:
                changes.append(
                    _change(entity, key, "*", "removed", _summary(before[key]) or key, None)
                )
            else:
                for f in fields:
                    if before[key][f] != after[key][f]:
                        changes.append(
                            _change(entity, key, f, "modified", before[key][f], after[key][f])
                        )
    return changes


def _summary(values: dict[str, str | None]) -> str | None:
    shown = {k: v for k, v in values.items() if v is not None}
    if not shown:
        return None
    if len(shown) == 1:
        return next(iter(shown.values()))
    return "; ".join(f"{k}={v}" for k, v in shown.items())


def _change(
    entity: str, key: str, field: str, kind: str, old: str | None, new: str | None
) -> dict[str, Any]:
    return {
        "entity": entity,
        "entity_key": key,
        "field": field,
        "change_type": kind,
        "old_value": old,
        "new_value": new,
    }
