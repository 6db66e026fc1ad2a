"""The floor for the click-to-update benchmark: one radio, and a line that echoes its answer after each rerun."""

import streamlit as st

answer = st.radio("Is the patient taking any opioid now, prescribed or not?", ["Yes", "No"], index=None,
                  horizontal=True)
st.markdown(f"Answer: {str(answer).lower()}")
