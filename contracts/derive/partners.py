"""Who delivers what: the partner sources, in the words the documents use.

The datasets of each source come from the contracts (`contracts.datasets_of`); only the partner's
name lives here.
"""

from __future__ import annotations

import re

from contracts import CONTRACTS, datasets_of
from contracts.base import DatasetContract

PARTNERS: dict[str, str] = {
    "region": "Regional psychiatry",
    "municipality": "Municipalities (social services, job centre, programme coordinators)",
    "ngo": "Civil-society partners (NGOs)",
}
# extracts.md, "Delivery": the file name partners use, the extension telling the format.
FILE_NAME_PATTERN = r"^(?P<dataset>[a-z_]+)__(?P<extract_date>\d{8})(__[^/]*)?\.(csv|parquet)$"


def sources() -> tuple[str, ...]:
    """The partner sources in spec order (the order their first dataset appears)."""
    return tuple(dict.fromkeys(contract.source for contract in CONTRACTS.values()))


def source_description(source: str) -> str:
    return f"{PARTNERS[source]}: {', '.join(datasets_of(source))}; resolved by ingestion."


def summary(contract: type[DatasetContract]) -> str:
    """The contract's docstring as one line (its first paragraph)."""
    first = (contract.__doc__ or contract.dataset).strip().split("\n\n")[0]
    return re.sub(r"\s+", " ", first)
