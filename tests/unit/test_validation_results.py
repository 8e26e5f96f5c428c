"""Reading GX verdicts safely: an exception or an empty result is an error, never a pass; failing
value lists are dropped for identifiers and identifier-shaped strings are blanked everywhere."""

from __future__ import annotations

from types import SimpleNamespace

from helpers.validation import identifying, person

from contracts.derive.gx import ExpectationSpec
from validation.batches import Batch
from validation.results import redact, scrub_result
from validation.runner import _check_result

BATCH = Batch("attendance.contract", "attendance", "select 1", (
    ExpectationSpec("ExpectColumnValuesToBeInSet", {"column": "role"}, {"check_name": "role_enum",
                    "check_kind": "conformance"}),))
OK = {"raised_exception": False, "exception_message": None, "exception_traceback": None}


def _item(result, exception_info=OK, success=True, kind="expect_column_values_to_be_in_set"):
    config = SimpleNamespace(meta={"check_name": "role_enum", "check_kind": "conformance"},
                             type=kind, kwargs={"column": "role"})
    return SimpleNamespace(expectation_config=config, result=result, exception_info=exception_info,
                           success=success)


def test_an_expectation_that_raised_is_an_error_not_a_pass():
    # GIVEN GX's verdict for DuckDB-over-SQLAlchemy: failed, empty result, an exception inside
    item = _item({}, {"metric-id": {"raised_exception": True, "exception_message": "boom"}}, success=True)
    result = _check_result(BATCH, item)
    assert (result.success, result.error) == (False, "the expectation raised an exception")


def test_an_empty_result_is_an_error():
    result = _check_result(BATCH, _item({}, success=True))
    assert result.success is False and result.error == "the expectation returned no result"


def test_a_counted_result_is_read():
    result = _check_result(BATCH, _item({"element_count": 9, "unexpected_count": 2}, success=False))
    assert (result.success, result.element_count, result.unexpected_count, result.error) == (False, 9, 2, None)
    assert result.column_name == "role"


def test_identifier_results_lose_their_value_lists():
    raw = {"element_count": 3, "unexpected_count": 1, "partial_unexpected_list": ["A" * 64],
           "partial_unexpected_counts": [{"value": "A" * 64, "count": 1}], "partial_unexpected_index_list": [2]}
    scrubbed = scrub_result(raw, identifier=True)
    assert scrubbed == {"element_count": 3, "unexpected_count": 1}


def test_other_results_keep_values_but_blank_identifier_shapes():
    raw = {"partial_unexpected_list": ["volunteerx", "0101901234", person(1), "x 010190-1234"]}
    scrubbed = scrub_result(raw, identifier=False)
    assert scrubbed["partial_unexpected_list"][0] == "volunteerx"
    assert not any(identifying(value) for value in scrubbed["partial_unexpected_list"])


def test_numbers_that_are_not_dates_are_left_alone():
    # 1795723820: day 17, month 95 is no date; GX's timestamps must survive
    assert redact("sort 1795723820.333") == "sort 1795723820.333"
    assert redact("ENR_0101901234") == "ENR_[redacted]"
