"""`sammen synth`: write synthetic partner extracts into a home's landing folders."""

from __future__ import annotations

import argparse

from core import arguments
from core.home import Home
from core.progress import Progress
from synthetic.delivery import synthesise


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "synth",
        help="write synthetic extracts for all ten datasets into DIR/landing/<source>/",
        description="Synthetic, clean, reproducible extracts (same seed, same bytes) from the "
        "three partner sources, two extract dates each.",
    )
    arguments.home(parser)
    parser.add_argument("--persons", type=_positive, default=2000, help="enrolled persons (default 2000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--years", type=_positive, default=3, help="years of enrolments (default 3)")
    arguments.verbose(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    home = Home.at(args.home).ensure()
    progress = Progress(quiet=not args.verbose)  # to the log (stderr); per-dataset steps only with -v
    report = synthesise(home, persons=args.persons, seed=args.seed, years=args.years,
                        progress=progress)
    print(f"sammen synth: {report} into {home.landing} "
          f"({args.persons:,} persons, seed {args.seed}, {args.years} years)")
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value
