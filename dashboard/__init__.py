"""LA County outpatient mental-health capacity dashboard: the importable core.

Data flows one way: ``sources`` (one reader per raw source) -> ``pipeline`` (locate,
de-duplicate, tag areas, validate, write) -> processed tables -> ``filters`` / ``metrics``
/ ``costs`` -> ``maps`` / ``charts`` -> Streamlit pages.  Only ``ui`` imports streamlit.
"""
