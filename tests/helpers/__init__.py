"""Test helpers by area (browser, report, ...)."""
