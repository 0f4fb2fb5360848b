"""History stage: order the versions of each series (bitemporally) and derive the change log
between consecutive versions. A series touched by a run is recomputed whole, so a late
arriving older version (a backfill) slots in where its version date puts it.

One module per job: `versions` (the version order of each series), `compared` (what the
dataset registry says to compare, and reading it), `diff` (the changes between two
versions in Python: the reference, and what `policy-etl diff` shows), `changes` (the same
for every consecutive pair, with Arrow joins), `detections` (a recomputed change keeps the
run that first detected it) and `log` (`build_change_log`, the stage's entry point)."""
