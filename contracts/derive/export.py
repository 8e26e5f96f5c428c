"""Writing the derived documents: ODCS YAML + partner markdown per dataset, dbt sources YAML."""

from __future__ import annotations

from pathlib import Path

from contracts import CONTRACTS
from contracts.derive.markdown import markdown_document, markdown_document_da
from contracts.derive.odcs import odcs_yaml
from contracts.derive.partners import PARTNERS, summary


def contract_files() -> dict[str, str]:
    """File name -> content of every partner document (what `export_documents` writes)."""
    files = {"README.md": _index()}
    for name, contract in CONTRACTS.items():
        files[f"{name}.odcs.yaml"] = odcs_yaml(contract)
        files[f"{name}.md"] = markdown_document(contract)
        files[f"{name}.da.md"] = markdown_document_da(contract)
    return files


def export_documents(out: Path) -> list[Path]:
    """Write the documents into `out` (created if needed); returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in contract_files().items():
        path = out / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def _index() -> str:
    lines = [
        "<!-- GENERATED from contracts/: do not edit by hand. Regenerate with `sammen contracts export`. -->",
        "# Data contracts",
        "",
        "One contract per dataset partners deliver (extracts.md v1.1). `<dataset>.md` is the "
        "readable document, `<dataset>.odcs.yaml` the same contract in the Open Data Contract "
        "Standard v3.1.0, `<dataset>.da.md` the readable document in Danish (på dansk). All are "
        "generated from the pydantic models in `contracts/`.",
        "",
        "| dataset | delivered by | what it holds | documents |",
        "|---|---|---|---|",
    ]
    for name, contract in CONTRACTS.items():
        lines.append(f"| `{name}` | {PARTNERS[contract.source]} | {summary(contract)} | "
                     f"[{name}.md]({name}.md), [dansk]({name}.da.md), [{name}.odcs.yaml]({name}.odcs.yaml) |")
    return "\n".join(lines) + "\n"
