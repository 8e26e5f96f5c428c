"""The content limits are part of the agreement: every partner document states them. The numbers
are the decisions written in contracts/limits.py (extracts.md gives none), copied here by hand, so
a limit changed in one place without the other fails."""

from __future__ import annotations

import pytest

from contracts import CONTRACTS
from contracts.derive.markdown import markdown_document
from contracts.derive.odcs import odcs_document

MAX_COLUMNS, MAX_FIELD_BYTES, MAX_LINE_BYTES = 256, 4096, 65536


@pytest.mark.parametrize("dataset", list(CONTRACTS))
def test_every_partner_document_states_the_content_limits(dataset):
    # GIVEN a dataset's contract WHEN its Markdown and ODCS documents are derived
    contract = CONTRACTS[dataset]
    markdown, odcs = markdown_document(contract), odcs_document(contract)
    # THEN the Markdown names each limit in words, as partners read numbers
    assert "at most 256 columns" in markdown
    assert "at most 4,096 bytes" in markdown
    assert "at most 65,536 bytes" in markdown
    # AND ODCS carries them as custom properties, and in its limitations text
    properties = {p["property"]: p["value"] for p in odcs["customProperties"]}
    assert (properties["maxColumns"], properties["maxFieldBytes"], properties["maxRowBytes"]) == (
        MAX_COLUMNS, MAX_FIELD_BYTES, MAX_LINE_BYTES)
    assert "65,536 bytes" in odcs["description"]["limitations"]
