"""The partners' words live in one place: every rule has its Danish and English message in
`contracts.messages`, every column and dataset its Danish text in the contract."""

from __future__ import annotations

import pytest

from contracts import CONTRACTS
from contracts.derive.checks import contract_checks
from contracts.derive.markdown import markdown_document_da
from contracts.messages import FILE_RULES, LANGUAGES, ROW_RULES, row_message

FILE_RULE_NAMES = ("readable", "decodable", "truncated", "header", "required_columns", "cpr", "column_count",
                   "line_length", "field_size", "manifest", "quarantine_threshold", "file_name", "empty")


@pytest.mark.parametrize("dataset", list(CONTRACTS))
def test_every_rule_of_a_contract_has_a_message_and_advice_in_both_languages(dataset):
    # GIVEN every check the contract implies
    contract = CONTRACTS[dataset]
    for check in contract_checks(contract, columns=contract.columns()):
        key = check.name if check.rule == "contract_rule" else check.rule
        for lang in LANGUAGES:
            # WHEN its message is asked for
            problem, todo = row_message(contract, key, check.column, lang, "FALLBACK", dataset="x")
            # THEN it comes from the catalogue, with a line saying what to do
            assert problem != "FALLBACK" and todo, (dataset, check.name, lang)


def test_every_file_rule_has_both_languages():
    # GIVEN the file-level rules ingestion rejects or warns with THEN each is in the catalogue twice
    for rule in FILE_RULE_NAMES:
        assert set(FILE_RULES[rule]) == set(LANGUAGES), rule
    assert all(set(texts) == set(LANGUAGES) for texts in ROW_RULES.values())


@pytest.mark.parametrize("dataset", list(CONTRACTS))
def test_the_danish_document_takes_every_text_from_the_contract(dataset):
    # GIVEN a contract WHEN its Danish document is written
    contract = CONTRACTS[dataset]
    document = markdown_document_da(contract)
    # THEN the dataset's title and every column's Danish description are in it
    assert contract.title_da and contract.title_da in document
    for column in contract.columns():
        assert column.description_da, column.name
        assert column.description_da.replace("|", "\\|") in document
