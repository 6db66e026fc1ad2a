"""Sign-in with Streamlit's st.login (OpenID Connect), failing closed.

- No secrets file at all: the app opens directly (a clinician running it on their own machine),
  unless the deployment demands sign-in (LDN_REQUIRE_SIGN_IN=1), which then stops the app.
- A secrets file that does not parse (an unquoted value, a repeated key), or one whose [auth] section
  is incomplete: the app stops with a message for the operator. It never falls back to "no sign-in".
- An [auth] section: every session must sign in first.
See the README's security section.
"""

from __future__ import annotations

import os

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from screening.errors import SignInMisconfigured
from screening.ruleset import RuleSet

from . import keys

REQUIRE_ENV = "LDN_REQUIRE_SIGN_IN"
_AUTH_KEYS = ("redirect_uri", "cookie_secret")


def sign_in_demanded() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _secrets_file_exists() -> bool:
    from streamlit import config
    return any(os.path.exists(p) for p in config.get_option("secrets.files"))


def sign_in_required() -> bool:
    """Whether sessions must sign in; SignInMisconfigured when that cannot be decided or honoured."""
    try:
        configured = "auth" in st.secrets
    except StreamlitSecretNotFoundError as exc:
        if getattr(exc, "error_id", None) != "no-secrets-found" or _secrets_file_exists():
            raise SignInMisconfigured(f"The secrets file could not be read ({type(exc).__name__}: the file has a "
                                      "syntax error, e.g. an unquoted value or a repeated key). Sign-in cannot be "
                                      "set up, so the app does not open. Fix .streamlit/secrets.toml and restart.") \
                from None
        configured = False
    if configured:
        auth = st.secrets["auth"]
        missing = [k for k in _AUTH_KEYS if not (hasattr(auth, "get") and auth.get(k))]
        if missing:
            raise SignInMisconfigured(f"The [auth] section of the secrets file lacks {', '.join(missing)}; sign-in "
                                      "cannot work, so the app does not open.")
        return True
    if sign_in_demanded():
        raise SignInMisconfigured(f"{REQUIRE_ENV} is set, but no sign-in is configured (no [auth] section in "
                                  ".streamlit/secrets.toml), so the app does not open.")
    return False


def signed_in(ruleset: RuleSet) -> bool:
    """True when the page may be shown; otherwise draw the sign-in prompt (or the configuration error)."""
    try:
        required = sign_in_required()
    except SignInMisconfigured as exc:
        st.title("LDN safety screening")
        st.error(f"**Sign-in is misconfigured.** {exc}", icon=":material/lock:")
        return False
    if not required:
        return True
    if st.user.is_logged_in:
        with st.sidebar:
            who = st.user.get("email") or st.user.get("name") or "signed-in user"
            st.caption(f"Signed in as {who}")
            st.button("Sign out", on_click=st.logout, key=keys.SIGN_OUT)
        return True
    st.title("LDN safety screening")
    st.markdown(f"**{ruleset.meta.purpose}**")
    st.info("This installation asks you to sign in before screening.", icon=":material/lock:")
    st.button("Sign in", on_click=st.login, type="primary", key=keys.SIGN_IN)
    return False
