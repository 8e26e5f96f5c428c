"""One contract per dataset of extracts.md, grouped by the partner that delivers it."""
