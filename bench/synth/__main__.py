"""Write a synthetic, deterministic corpus of code reports and policies (for benchmarks and
demos), or change a fraction of an existing one with --mutate.

    uv run python -m bench.synth DIR [--reports N] [--policies M] [--seed S]
                                     [--mutate FRACTION] [--formats txt,md,html]

Example: uv run python -m bench.synth /tmp/corpus --reports 5100 --policies 900 --seed 7

Exit codes: 0 written, 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.synth.corpus import mutate_corpus, synthesize_corpus

FORMATS = ("txt", "md", "html")


def _count(value: str) -> int:
    n = int(value)
    if n < 0:
        raise argparse.ArgumentTypeError(f"{n} is not >= 0")
    return n


def _fraction(value: str) -> float:
    x = float(value)
    if not 0.0 <= x <= 1.0:
        raise argparse.ArgumentTypeError(f"{x} is not between 0.0 and 1.0")
    return x


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m bench.synth",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example: python -m bench.synth /tmp/corpus --reports 5100 --policies 900 --seed 7",
    )
    ap.add_argument("folder", type=Path, metavar="DIR", help="Folder to write the corpus into.")
    ap.add_argument(
        "--reports",
        type=_count,
        default=1000,
        metavar="N",
        help="Code reports to write (default: 1000).",
    )
    ap.add_argument(
        "--policies",
        type=_count,
        default=200,
        metavar="M",
        help="Payer policy files to write (default: 200).",
    )
    ap.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar="S",
        help="Random seed: same seed, same bytes (default: 1).",
    )
    ap.add_argument(
        "--formats",
        default="txt,md",
        metavar="LIST",
        help="Comma-separated formats among txt, md, html (default: txt,md).",
    )
    ap.add_argument(
        "--mutate",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="Instead of writing, change this fraction of an existing corpus's files "
        "(between 0 and 1).",
    )
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    folder: Path = args.folder
    if args.mutate:
        result = mutate_corpus(folder, args.mutate, args.seed)
        print(f"changed {result['changed']} files under {folder}")
        return 0
    wanted = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    if not wanted or set(wanted) - set(FORMATS):
        print(f"unknown format in: {args.formats}", file=sys.stderr)
        return 2
    result = synthesize_corpus(
        folder, reports=args.reports, policies=args.policies, seed=args.seed, formats=wanted
    )
    print(f"wrote {result['files']} files ({result['bytes']:,} bytes) under {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
