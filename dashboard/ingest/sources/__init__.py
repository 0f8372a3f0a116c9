"""One reader per raw source folder; each returns canonical columns and checks its input."""
