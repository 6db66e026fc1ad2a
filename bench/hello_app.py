"""The floor for the cold-start benchmark: a hello-world page with one radio, labelled like the app's first question."""

import streamlit as st

st.title("Hello")
st.radio("Is the patient taking any opioid now, prescribed or not?", ["Yes", "No"], index=None, horizontal=True)
