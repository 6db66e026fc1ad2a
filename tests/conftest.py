"""Shared fixtures: the real rule set, loaded once per test session."""

from __future__ import annotations

from datetime import date

import pytest

from screening.loader import load_ruleset
from screening.ruleset import RuleSet

SCREENING_DATE = date(2026, 11, 23)


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_ruleset()
