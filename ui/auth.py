"""Optional sign-in with Streamlit's st.login (OpenID Connect), on only when the secrets configure it.

With no [auth] section in .streamlit/secrets.toml the app opens directly (a clinician running it on
their own machine); with one, every session must sign in first. See the README's deployment notes.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from screening.ruleset import RuleSet


def sign_in_required() -> bool:
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError:
        return False


def signed_in(ruleset: RuleSet) -> bool:
    """True when the page may be shown; otherwise draw the sign-in prompt and return False."""
    if not sign_in_required():
        return True
    if st.user.is_logged_in:
        with st.sidebar:
            who = st.user.get("email") or st.user.get("name") or "signed-in user"
            st.caption(f"Signed in as {who}")
            st.button("Sign out", on_click=st.logout, key="sign_out")
        return True
    st.title("LDN safety screening")
    st.markdown(f"**{ruleset.meta.purpose}**")
    st.info("This installation asks you to sign in before screening.", icon=":material/lock:")
    st.button("Sign in", on_click=st.login, type="primary", key="sign_in")
    return False
