"""The per-run change report: what one run changed in the change log, as Markdown grouped by
payer then code (code reports by code), each change naming its old and new source file.
Written to `<output>/reports/<run_id>.md` and shown as a Prefect artifact by the flow."""

from __future__ import annotations

import os
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import pyarrow
import pyarrow.compute as pc
from deltalake import DeltaTable

from flows.history.changes import differs
from flows.history.detections import IDENTITY, identity_keys
from flows.publish import TableStore
from schemas import CHANGE_LOG, DOCUMENTS

SHORT = 12
#: Columns whose difference makes a kept change-log row "revised" (same identity, new text).
VALUES = ("change_type", "old_value", "new_value", "effective_date")


def _log_at(store: TableStore, version: int) -> pyarrow.Table:
    if version < 0:
        return CHANGE_LOG.arrow.empty_table()
    return DeltaTable(str(store.path(CHANGE_LOG.name)), version=version).to_pyarrow_table()


def _commit_changes(table: DeltaTable, version: int) -> tuple[pyarrow.Table, pyarrow.Table]:
    """(deleted rows, inserted rows) of commit `version` of the change_log `table`."""
    feed = table.load_cdf(starting_version=version, ending_version=version)
    rows = pyarrow.RecordBatchReader.from_stream(feed).read_all()
    kind = rows.column("_change_type").cast(pyarrow.string())
    data = rows.select(CHANGE_LOG.arrow.names).cast(CHANGE_LOG.arrow)  # from string views
    return data.filter(pc.equal(kind, "delete")), data.filter(pc.equal(kind, "insert"))


@dataclass(slots=True)
class RunChanges:
    """What one run changed in the change log, as tables (a first run over a big inbox, or
    a parser upgrade, changes one or more rows per series: the report lists a sample)."""

    new: pyarrow.Table  # rows first written by the run
    revised: pyarrow.Table  # rows kept, with other values (as they are now)
    previous: pyarrow.Table  # the same rows before the run, row for row
    withdrawn: pyarrow.Table  # rows the run removed (a version slotted in between)
    version: int | None  # the change_log version after the run


def run_changes(store: TableStore, run_id: str) -> RunChanges:
    """The change-log rows run `run_id` wrote.

    Read from the Delta versions the run committed, so a report of an old run is the same
    today as on the day it ran. The two versions are matched by IDENTITY in Arrow (a join).
    """
    table = store.table(CHANGE_LOG.name)
    empty = CHANGE_LOG.arrow.empty_table()
    if table is None:
        return RunChanges(empty, empty, empty, empty, None)
    committed = sorted(h["version"] for h in table.history() if h.get("run_id") == run_id)
    if not committed:
        return RunChanges(empty, empty, empty, empty, None)
    after_version = committed[-1]
    if len(committed) == 1:
        # The rows the commit deleted and inserted (Delta's change data feed): the series
        # it replaced, not the whole log; the rows of other series did not change.
        before, after = _commit_changes(table, after_version)
    else:  # a retried publish committed more than once: compare the whole versions
        before, after = _log_at(store, committed[0] - 1), _log_at(store, after_version)
    matched = (
        identity_keys(after)
        .append_column("_after", pyarrow.array(range(after.num_rows), pyarrow.int64()))
        .join(
            identity_keys(before).append_column(
                "_before", pyarrow.array(range(before.num_rows), pyarrow.int64())
            ),
            keys=list(IDENTITY),
            join_type="full outer",
        )
    )
    in_after, in_before = matched.column("_after"), matched.column("_before")
    # New: only in the log after the run, and written by it.
    only_after = after.take(pc.drop_null(in_after.filter(pc.is_null(in_before))))
    new = only_after.filter(pc.equal(only_after.column("run_id"), run_id))
    # Withdrawn: only in the log before.
    withdrawn = before.take(pc.drop_null(in_before.filter(pc.is_null(in_after))))
    # Revised: in both, with other values.
    both = matched.filter(pc.and_(pc.is_valid(in_after), pc.is_valid(in_before)))
    now, then = after.take(both.column("_after")), before.take(both.column("_before"))
    changed = pyarrow.array([False] * both.num_rows, pyarrow.bool_())
    for column in VALUES:
        changed = pc.or_(changed, differs(now.column(column), then.column(column)))
    return RunChanges(new, now.filter(changed), then.filter(changed), withdrawn, after_version)


#: First versions listed in a report; the rest are counted (they are not changes).
FIRST_VERSIONS_LISTED = 100
#: Changes between versions listed in a report; the rest are counted. A nightly run lists
#: all of its changes; a first run over a large backfill would otherwise make a report of
#: tens of megabytes that nobody reads (and hold it in memory).
CHANGES_LISTED = 10_000


def change_report_markdown(store: TableStore, run_id: str) -> str | None:
    """The change report of run `run_id` as Markdown, or None when it changed nothing."""
    changes = run_changes(store, run_id)
    new, withdrawn = changes.new, changes.withdrawn
    if not (new.num_rows or changes.revised.num_rows or withdrawn.num_rows):
        return None
    # A first run over a big inbox adds a first version to every series: list a sample of
    # those; list changes up to CHANGES_LISTED of each kind; count the rest.
    is_first = pc.is_null(new.column("old_doc_id"))
    firsts, later = new.filter(is_first), new.filter(pc.invert(is_first))
    listed = later.take(_head(later, CHANGES_LISTED)).to_pylist()
    listed += firsts.take(_head(firsts, FIRST_VERSIONS_LISTED)).to_pylist()
    shown = _head(changes.revised, CHANGES_LISTED)
    revised = [
        {**row, "previous": old}
        for row, old in zip(
            changes.revised.take(shown).to_pylist(),
            changes.previous.take(shown).to_pylist(),
            strict=True,
        )
    ]
    withdrawn_rows = withdrawn.take(_head(withdrawn, CHANGES_LISTED)).to_pylist()
    docs = _source_paths(store, [*listed, *revised, *withdrawn_rows])
    series = set()
    for table in (new, changes.revised, withdrawn):
        series |= set(pc.unique(table.column("series_key")).to_pylist())
    first = pc.min(new.column("detected_at")).as_py()
    detected = first.astimezone(UTC).isoformat(timespec="seconds") if first else None
    n_revised, n_withdrawn = changes.revised.num_rows, withdrawn.num_rows
    lines = [
        f"# Change report: run `{run_id}`",
        "",
        f"{new.num_rows} new change(s) in {len(series)} series"
        + (f", {n_revised} revised" if n_revised else "")
        + (f", {n_withdrawn} withdrawn (a version slotted in between)" if n_withdrawn else "")
        + (f"; detected {detected}" if detected else "")
        + f"; change_log version {changes.version}.",
    ]
    for count, limit, what in (
        (later.num_rows, CHANGES_LISTED, "changes between versions are"),
        (firsts.num_rows, FIRST_VERSIONS_LISTED, "series were seen for the first time and are"),
        (n_revised, CHANGES_LISTED, "revised changes are"),
        (n_withdrawn, CHANGES_LISTED, "withdrawn changes are"),
    ):
        if count > limit:
            lines += [
                "",
                f"{count - limit:,} more {what} not listed here: see `policy-etl changes` or "
                "the change_log table.",
            ]
    for title, rows in (
        ("New changes", listed),
        ("Revised changes", revised),
        ("Withdrawn changes", withdrawn_rows),
    ):
        if rows:
            lines += ["", f"## {title}", *_grouped(rows, docs)]
    return "\n".join(lines) + "\n"


def _source_paths(store: TableStore, rows: list[dict[str, Any]]) -> dict[str, str]:
    """source_path by doc_id of the documents `rows` name (only those become Python)."""
    named = {r[c] for r in rows for c in ("old_doc_id", "new_doc_id") if r[c] is not None}
    documents = store.read(DOCUMENTS.name, ["doc_id", "source_path"])
    wanted = pc.is_in(
        documents.column("doc_id"), value_set=pyarrow.array(sorted(named), pyarrow.string())
    )
    documents = documents.filter(wanted)
    return dict(
        zip(
            documents.column("doc_id").to_pylist(),
            documents.column("source_path").to_pylist(),
            strict=True,
        )
    )


def _grouped(rows: list[dict[str, Any]], docs: dict[str, str]) -> list[str]:
    policies: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    reports: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        kind, _, rest = row["series_key"].partition(":")
        if kind == "payer_policy":
            payer, _, policy = rest.partition(":")
            group = row["entity_key"] if row["entity"] == "policy_code" else f"policy {policy}"
            policies[payer][group].append(row)
        else:
            reports[rest].append(row)
    lines: list[str] = []
    if policies:
        lines += ["", "### Payer policies"]
        for payer in sorted(policies):
            lines += ["", f"#### {payer}"]
            for group in sorted(policies[payer], key=lambda g: (g.startswith("policy "), g)):
                lines += ["", f"**{_escape(group)}**", ""]
                lines += [_item(r, docs) for r in _ordered(policies[payer][group])]
    if reports:
        lines += ["", "### Code reports"]
        for code in sorted(reports):
            lines += ["", f"#### {_escape(code)}", ""]
            lines += [_item(r, docs) for r in _ordered(reports[code])]
    return lines


def _head(rows: pyarrow.Table, limit: int) -> pyarrow.Array:
    """Indexes of the first `limit` rows in `_ordered` order (sorted in Arrow)."""
    keys = [
        ("series_key", "ascending", "at_start"),
        ("effective_date", "ascending", "at_end"),  # undated last, as in `_ordered`
        ("entity", "ascending", "at_start"),
        ("entity_key", "ascending", "at_start"),
        ("field", "ascending", "at_start"),
        ("new_doc_id", "ascending", "at_start"),
    ]
    return pc.sort_indices(rows, sort_keys=keys)[:limit]


def _ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        rows,
        key=lambda r: (
            r["series_key"],
            r["effective_date"] is None,
            r["effective_date"] or "",
            r["entity"],
            r["entity_key"],
            r["field"],
            r["new_doc_id"] or "",
        ),
    )


def _item(row: dict[str, Any], docs: dict[str, str]) -> str:
    policy = row["series_key"].split(":", 2)[2] if row["series_key"].count(":") >= 2 else None
    what = f"{row['entity']} {_code(row['entity_key'])}"
    if row["field"] != "*":
        what += f" {row['field']}"
    text = f"- {what} **{row['change_type']}**"
    if row["change_type"] == "modified":
        text += f": {_value(row['old_value'])} → {_value(row['new_value'])}"
    elif row["change_type"] == "added" and row["new_value"] is not None:
        text += f": {_value(row['new_value'])}"
    elif row["change_type"] == "removed" and row["old_value"] is not None:
        text += f": {_value(row['old_value'])}"
    context = []
    if policy and row["entity"] != "policy":
        context.append(f"policy {_code(policy)}")
    if row["effective_date"] is not None:
        context.append(f"effective {row['effective_date'].isoformat()}")
    if context:
        text += f" ({', '.join(context)})"
    previous = row.get("previous")
    if previous is not None:
        text += (
            f"; previously {previous['change_type']}: {_value(previous['old_value'])} → "
            f"{_value(previous['new_value'])}"
        )
    text += "\n  - old: " + _source(row["old_doc_id"], docs)
    text += "\n  - new: " + _source(row["new_doc_id"], docs)
    return text


def _source(doc_id: str | None, docs: dict[str, str]) -> str:
    if doc_id is None:
        return "none (first version)"
    path = docs.get(doc_id)
    where = _code(path) if path else "(not in documents)"
    return f"{where} (doc {_code(doc_id[:SHORT])})"


def _value(value: str | None) -> str:
    return "_none_" if value is None else _code(value)


def _code(text: str) -> str:
    """`text` as an inline code span on one line, fenced past any backticks inside it."""
    text = " ".join(str(text).split())
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", " ".join(text.split()))


def report_path(store: TableStore, run_id: str, reports_dir: str | Path) -> Path:
    """Where run `run_id`'s report goes: `reports_dir` (relative to the output folder)."""
    folder = Path(reports_dir)
    if not folder.is_absolute():
        folder = store.output / folder
    return folder / f"{run_id}.md"


def write_change_report(
    store: TableStore, run_id: str, reports_dir: str | Path = "reports"
) -> Path | None:
    """Write `<reports_dir>/<run_id>.md` (atomically); None, and nothing written, when the
    run changed nothing, so a rerun over unchanged sources leaves the folder as it was."""
    markdown = change_report_markdown(store, run_id)
    if markdown is None:
        return None
    path = report_path(store, run_id, reports_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{run_id}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(markdown)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is for its readers
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
