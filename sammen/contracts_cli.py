"""`sammen contracts export`: the partner documents (ODCS YAML + markdown) and dbt sources."""

from __future__ import annotations

import argparse
from pathlib import Path

from contracts.derive.dbt import write_sources
from contracts.derive.export import export_documents
from core.home import Home
from core.settings import DBT_PROJECT_DIR

DEFAULT_OUT = Path("docs/contracts")


def export(out: Path, *, dbt_project: Path | None = None) -> list[Path]:
    """Write the documents into `out` and, given a dbt project, its sources YAML."""
    written = export_documents(out)
    if dbt_project is not None:
        written += write_sources(dbt_project)
    return written


def _export_command(args: argparse.Namespace) -> int:
    out = Path(args.out) if args.out else Home.existing(args.home).docs / "contracts" if args.home else DEFAULT_OUT
    written = export(out, dbt_project=Path(args.dbt_project or DBT_PROJECT_DIR) if args.dbt else None)
    for path in written:
        print(path)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "contracts",
        help="the data contracts: export partner documents and dbt sources",
        description="Work with the data contracts (contracts/).",
    )
    commands = parser.add_subparsers(dest="contracts_command", required=True, metavar="SUBCOMMAND")
    export_parser = commands.add_parser(
        "export",
        help="write ODCS YAML + a markdown document per dataset (and, with --dbt, dbt sources)",
        description="Write <dataset>.odcs.yaml and <dataset>.md for every dataset. Both are "
        "generated from the contract models; never edit them by hand.",
    )
    where = export_parser.add_mutually_exclusive_group()
    where.add_argument("--out", help=f"output folder (default: {DEFAULT_OUT} under the current folder)")
    where.add_argument("--home", help="write into the home's docs/contracts/ instead")
    export_parser.add_argument(
        "--dbt", action="store_true",
        help="also (re)write dbt_project/models/staging/<source>/_<source>__sources.yml",
    )
    export_parser.add_argument("--dbt-project", help="the dbt project folder (default: the repo's)")
    export_parser.set_defaults(func=_export_command)
