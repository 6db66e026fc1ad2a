"""Shared fixtures: the real rule set, loaded once per test session."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from datetime import date

import pytest

from screening.loader import load_ruleset
from screening.ruleset import RuleSet

SCREENING_DATE = date(2026, 11, 23)

# AppTest keeps only the elements of the last run, so an answer that reruns just its page fragments would
# leave the rest of its element tree empty: AppTest tests run every click as a full rerun. The browser
# tests' servers set it back to "1" (tests/e2e/server.py).
os.environ["LDN_PARTIAL_RERUNS"] = "0"

# The rule-file cache (screening/rule_cache.py) goes to a folder of this test session, set before any
# test module loads the rule set, so tests (and the CLI and app processes they start) never write into
# the home folder, and each session starts with an empty cache.
_CACHE_DIR = tempfile.mkdtemp(prefix="ldn-test-cache-")
os.environ["LDN_CACHE_DIR"] = _CACHE_DIR
atexit.register(shutil.rmtree, _CACHE_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_ruleset()
