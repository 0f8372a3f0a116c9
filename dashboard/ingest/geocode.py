"""The online locating tier: the free US Census geocoder, with results cached on disk.

Off by default (builds are offline and reproducible).  Enabled with
``python -m dashboard.ingest build --geocode``; every answer — including "no match" — is
cached in ``data/geocode_cache.json`` (committed with the snapshot it helped build) so later
offline builds reuse it.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from dashboard.config import PROJECT_ROOT

CENSUS_URL = "https://geocoding.geo.census.gov/geocoder/locations/address"
LABEL = "US Census geocoder"


class CensusGeocoder:
    def __init__(
        self,
        cache_path: Path | None = None,
        *,
        base_url: str = CENSUS_URL,
        online: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self.cache_path = Path(cache_path or PROJECT_ROOT / "data" / "geocode_cache.json")
        if not base_url.startswith(("https://", "http://")):
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url
        self.online = online
        self.timeout = timeout
        self.calls = 0
        self.answers = 0  # new answers (match or no match) this run added to the cache
        self.failures = 0
        try:
            self.cache: dict = json.loads(self.cache_path.read_text())
        except (OSError, ValueError):
            self.cache = {}

    @staticmethod
    def _key(street: str, city: str | None, zip5: str | None) -> str:
        return "|".join(str(x or "").upper().strip() for x in (street, city, zip5))

    def lookup(self, street: str | None, city: str | None, zip5: str | None):
        """(lat, lon) or None.  Never raises for network trouble."""
        if not street:
            return None
        key = self._key(street, city, zip5)
        if key in self.cache:
            hit = self.cache[key]
            return tuple(hit) if hit else None
        if not self.online or self.failures >= 3:  # stop trying after repeated failures
            return None
        query = urllib.parse.urlencode(
            {
                "street": street,
                "city": city or "",
                "state": "CA",
                "zip": zip5 or "",
                "benchmark": "Public_AR_Current",
                "format": "json",
            }
        )
        self.calls += 1
        try:
            # base_url is the Census endpoint (or a test server's): http(s) only, checked in __init__
            with urllib.request.urlopen(f"{self.base_url}?{query}", timeout=self.timeout) as r:  # noqa: S310
                data = json.loads(r.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError):
            self.failures += 1
            return None
        matches = (data.get("result") or {}).get("addressMatches") or []
        hit = None
        if matches:
            c = matches[0].get("coordinates") or {}
            if isinstance(c.get("x"), (int, float)) and isinstance(c.get("y"), (int, float)):
                hit = (float(c["y"]), float(c["x"]))
        self.cache[key] = list(hit) if hit else None
        self.answers += 1
        return hit

    def save(self) -> None:
        """Write the cache when this run added answers to it."""
        if not self.answers:
            return
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.cache, sort_keys=True, indent=0))
        os.replace(tmp, self.cache_path)
