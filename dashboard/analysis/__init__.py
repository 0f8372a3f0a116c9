"""Pure functions on the snapshot's tables: ``filters`` (view state, matching), ``link`` (the
URL scheme), ``metrics`` (per-capita measures, distances, the time-or-distance standard),
``catchment`` (capacity within reach, 2SFCA), ``views`` (results per view, shared),
``costs`` (inputs, episodes), ``prices`` (sourced prices, defaults), ``whatif``."""
