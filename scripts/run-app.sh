#!/usr/bin/env bash
# Set up (first time only takes long) and start the app at http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh runtime
exec .venv/bin/python -m streamlit run app.py --server.address "${LDN_ADDRESS:-localhost}" --server.port "${LDN_PORT:-8501}" "$@"
