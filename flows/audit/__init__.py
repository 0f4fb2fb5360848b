"""The read side: views over the published tables (`views`: current state, coverage on a
date, changes, versions, diffs) and the per-run change report (`report`)."""
