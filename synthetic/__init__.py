"""Synthetic partner extracts for all ten datasets (extracts.md v1.1), clean and reproducible.

`generate(home, persons=, seed=, years=, progress=)` writes two deliveries per source into
`home.landing/<source>/` and returns the data files; `sammen synth` is its command line.
See `synthetic.world` (calendar, places), `synthetic.formats` (which file is written how),
`synthetic.delivery` (full and delta extracts) and the docstrings of `persons`, `region`,
`municipality` and `ngo` for the shapes.
"""

from __future__ import annotations

from synthetic.delivery import SynthReport, generate, synthesise

__all__ = ["SynthReport", "generate", "synthesise"]
