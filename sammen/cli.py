"""The `sammen` command line. Each package registers its own subcommands; this file only wires."""

from __future__ import annotations

import argparse
import logging
import sys

from core import arguments
from core.home import restrict_umask
from core.progress import LOG
from ingestion import cli as ingestion_cli
from publishing import cli as publishing_cli
from sammen import contracts_cli, pipeline
from synthetic import cli as synthetic_cli
from transform import cli as transform_cli

# Modules that expose `register(subparsers)`; each owns its commands and their implementation.
COMMAND_MODULES = (
    synthetic_cli,  # synth
    ingestion_cli,  # ingest, ledger, check, pseudonymise
    contracts_cli,  # contracts export
    transform_cli,  # transform, query
    publishing_cli,  # publish, releases
    pipeline,  # run
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sammen",
        description="sammen: cross-sector mental-health partnership data, safely together.",
        epilog=arguments.METHODS,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def show_progress() -> None:
    """Progress lines (logger `sammen.progress`, INFO and up) on stderr as plain lines, warnings
    prefixed; `--quiet` silences them at the source (`Progress.quiet`)."""
    if any(getattr(handler, "_sammen", False) for handler in LOG.handlers):
        return
    handler = _Stderr()
    handler.setFormatter(_ProgressFormat())
    handler._sammen = True  # type: ignore[attr-defined]
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    LOG.propagate = False


class _Stderr(logging.StreamHandler):
    """stderr as it is when a line is written (tests replace it), not as it was at start."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


class _ProgressFormat(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        return f"warning: {text}" if record.levelno >= logging.WARNING else text


def main(argv: list[str] | None = None) -> int:
    restrict_umask()  # before anything is written: owner-only files (core/home.py says why)
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    show_progress()
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("sammen: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the CLI's last line of defence: a clear message
        if args.verbose:
            raise
        print(f"sammen {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
