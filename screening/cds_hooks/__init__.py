"""HL7 CDS Hooks 2.0 service: screens a patient when naltrexone is drafted, with the app's own engine.

    settings.py  configuration from the environment (auth, JWKS, issuers, URLs)
    auth.py      client JWT verification (ES384 / RS384 against a configured JWKS)
    service.py   the protocol without a web framework: discovery, request checks, record, cards
    app.py       the FastAPI application
Run it with `LDN_CDS_PORT=N bash scripts/run-cds-hooks.sh`.
"""
