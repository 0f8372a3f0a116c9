"""Serving the dashboard on several processes behind a proxy (deploy/serve.py)."""
