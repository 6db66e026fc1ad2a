#!/usr/bin/env bash
# Start the CDS Hooks 2.0 service on 127.0.0.1:$LDN_CDS_PORT (default 8502).
#   LDN_CDS_JWKS=clients.jwks.json LDN_CDS_ISSUERS=https://ehr.example.org LDN_CDS_PORT=8502 bash scripts/run-cds-hooks.sh
#   LDN_CDS_AUTH=off LDN_CDS_PORT=8502 bash scripts/run-cds-hooks.sh     # local testing only: no client auth
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh runtime
exec .venv/bin/python -m screening.cds_hooks
