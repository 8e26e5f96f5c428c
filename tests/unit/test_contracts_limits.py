"""The content limits are part of the agreement: every partner document states them, from the
one place they are defined (contracts.limits)."""

from __future__ import annotations

import pytest

from contracts import CONTRACTS
from contracts.derive.markdown import markdown_document
from contracts.derive.odcs import odcs_document
from contracts.limits import FILE_LIMITS


@pytest.mark.parametrize("dataset", list(CONTRACTS))
def test_every_partner_document_states_the_content_limits(dataset):
    # GIVEN a dataset's contract WHEN its Markdown and ODCS documents are derived
    contract = CONTRACTS[dataset]
    markdown, odcs = markdown_document(contract), odcs_document(contract)
    # THEN the Markdown names each limit in words
    for number in (FILE_LIMITS.max_columns, FILE_LIMITS.max_field_bytes, FILE_LIMITS.max_line_bytes):
        assert f"{number:,}" in markdown
    # AND ODCS carries them as custom properties, and in its limitations text
    properties = {p["property"]: p["value"] for p in odcs["customProperties"]}
    assert (properties["maxColumns"], properties["maxFieldBytes"], properties["maxRowBytes"]) == (
        FILE_LIMITS.max_columns, FILE_LIMITS.max_field_bytes, FILE_LIMITS.max_line_bytes)
    assert f"{FILE_LIMITS.max_line_bytes:,} bytes" in odcs["description"]["limitations"]
