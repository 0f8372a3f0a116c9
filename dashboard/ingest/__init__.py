"""Raw public sources -> the processed snapshot (run by ``python -m dashboard.ingest``).

``sources/`` has one reader per raw source; ``assemble`` runs the passes that merge their
records into ``sites`` (``linking`` decides which site a record is, by the rules of
``match`` and the few reviewed decisions of ``overrides``; ``beds`` puts licensed beds on
sites via the reviewed ``crosswalk``) and locates them (with ``normalize``, ``zipgeo`` and
``geocode``); ``facilities`` makes the facilities table; ``areas`` (geometry) and
``area_tables`` tag sites with SPA, district and tract and build the tract, area and
drive-time tables; ``checks`` lists close look-alike sites and records used twice;
``counts`` is what a build counted and ``report`` the build report; ``pipeline`` runs the
steps, validates and writes ``data/snapshot/``; ``fetch`` downloads fresh raw copies.
The app never imports this package: it serves the snapshot.
"""
