"""Command-line arguments that several `sammen` commands share: each defined once, here."""

from __future__ import annotations

import argparse
import datetime as dt


def home(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", required=True, help="the sammen home folder DIR (e.g. ./var)")


def cutoff(parser: argparse.ArgumentParser, help: str = "override the cutoff date (YYYY-MM-DD)") -> None:
    parser.add_argument("--cutoff", type=dt.date.fromisoformat, help=help)


def quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def quarantine_threshold(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quarantine-threshold", type=float, help="share of bad rows that rejects a file (0.05)")


def verbose(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="every step, file and check (default: one screen, what needs attention)")
