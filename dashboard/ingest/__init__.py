"""Raw public sources -> the processed snapshot (run by ``python -m dashboard.ingest``).

``sources/`` has one reader per raw source; ``assemble`` merges their records into sites and
locates them (with ``normalize``, ``zipgeo``, ``geocode`` and the reviewed ``crosswalk``);
``areas`` tags points with SPA, district and tract; ``pipeline`` runs the steps, validates and
writes ``data/snapshot/``; ``fetch`` downloads fresh raw copies.  The app never imports this
package: it serves the snapshot.
"""
