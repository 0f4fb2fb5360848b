"""Benchmarks and the synthetic corpus generator (`bench.synth`): development tools, not part
of the `payer-policy-etl` wheel (only `flows` and `schemas` are packaged)."""
