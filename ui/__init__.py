"""The page's building blocks (Streamlit); app.py arranges them. No clinical content here."""
