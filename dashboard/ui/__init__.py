"""The only part of the core that touches Streamlit, one module per concern.

- ``context``  the snapshot loaded once per process (``Data``), what a page gets to draw
               (``PageContext``: data and the view state), and the page's fail-safe when the
               snapshot is missing;
- ``urlstate`` the view state in the session and in the address bar: seeded from a link
               (and Back/Forward), written back after every run, the share link, notices;
- ``sidebar``  the shared filters, page links and share box every page shows;
- ``show``     Streamlit helpers the pages share: tables, notes, downloads, memo parts,
               chart toolbar, print style.

Pure helpers (number formats, map view logic, legends) live in ``dashboard.render``.
"""
