"""Shared fixtures: the real rule set, loaded once per test session."""

from __future__ import annotations

import os
from datetime import date

import pytest

from screening.loader import load_ruleset
from screening.ruleset import RuleSet

SCREENING_DATE = date(2026, 11, 23)

# AppTest keeps only the elements of the last run, so an answer that reruns just its page fragments would
# leave the rest of its element tree empty: AppTest tests run every click as a full rerun. The browser
# tests' servers set it back to "1" (tests/e2e/server.py).
os.environ["LDN_PARTIAL_RERUNS"] = "0"


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_ruleset()
