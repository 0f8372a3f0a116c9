"""LA County outpatient mental-health capacity dashboard: the importable core.

Data flows one way: ``ingest`` (raw sources -> located, de-duplicated, area-tagged,
validated tables: the snapshot) -> ``analysis`` (filters, metrics, catchment, costs) ->
``render`` (maps, charts, tables) -> ``ui`` and the pages.  Only ``ui`` imports streamlit.
The shared facts sit at the top: ``registry`` (sources), ``taxonomy`` (codes -> filters),
``vocab`` (the snapshot's typed words), ``snapshot`` and ``manifest``, ``config``, ``errors``.
"""
