"""Pure functions on the snapshot's tables: ``filters`` (view state, matching, link form),
``metrics`` (per-capita measures, access distances), ``costs`` (prices, episodes, what-ifs)."""
