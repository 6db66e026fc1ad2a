"""python -m screening.cds_hooks: serve on 127.0.0.1:$LDN_CDS_PORT (default 8502) with uvicorn."""

from __future__ import annotations

import logging
import os
import sys

import uvicorn

from ..errors import RuleSetError
from .app import create_app, warm_up
from .settings import Settings, SettingsError


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        port = int(os.environ.get("LDN_CDS_PORT", "8502"))
    except ValueError:
        print("LDN_CDS_PORT must be a port number", file=sys.stderr)
        return 2
    try:
        app = create_app(settings=Settings.from_env())
    except SettingsError as exc:
        print(f"CDS Hooks service not started: {exc}", file=sys.stderr)
        return 2
    except RuleSetError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    warm_up()
    # No access log: paths carry no patient data, but nothing about callers needs keeping either.
    uvicorn.run(app, host=os.environ.get("LDN_CDS_HOST", "127.0.0.1"), port=port, access_log=False,
                log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
