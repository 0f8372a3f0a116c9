"""Raw public sources -> the processed snapshot (run by ``python -m dashboard.ingest``).

``sources/`` has one reader per raw source; ``assemble`` merges their records into sites and
locates them (``match`` holds the matching rules, ``overrides`` the few reviewed decisions no
rule can make; with ``normalize``, ``zipgeo``, ``geocode`` and the reviewed bed
``crosswalk``); ``areas`` tags points with SPA, district and tract and splits tracts across
district lines; ``checks`` lists close look-alike sites and records used twice; ``counts``
is what a build counted; ``pipeline`` runs the steps, validates, reports and writes
``data/snapshot/``; ``fetch`` downloads fresh raw copies.  The app never imports this
package: it serves the snapshot.
"""
