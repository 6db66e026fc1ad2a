#!/usr/bin/env bash
# Set up (Python packages and Debian's chromium) and run the whole test suite. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests (exit 5): that is a broken suite, not a pass." >&2
  exit 1
fi
exit "$status"
