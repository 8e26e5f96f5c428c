"""Synthetic partner extracts for all ten datasets (extracts.md v1.1), clean and reproducible.

`generate(home, persons=, seed=, years=, progress=)` writes two deliveries per source into
`home.landing/<source>/` and returns the data files; `sammen synth` is its command line.
See `synthetic.world` (calendar, places), `synthetic.formats` (which file is written how),
`synthetic.delivery` (full and delta extracts) and the docstrings of `persons`, `region`,
`municipality` and `ngo` for the shapes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from synthetic.delivery import SynthReport, generate, synthesise

__all__ = ["SynthReport", "generate", "synthesise"]


def __getattr__(name: str) -> Any:
    """Import the generator (numpy, pyarrow, duckdb) only when used, not for `sammen --help`."""
    if name in __all__:
        value = getattr(importlib.import_module("synthetic.delivery"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'synthetic' has no attribute {name!r}")
