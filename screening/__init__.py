"""LDN safety screening: the pure core (no Streamlit). See README.md for the rule-file format."""
