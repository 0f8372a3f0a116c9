"""Raw public sources -> one located, de-duplicated, area-tagged, validated facility table.

CLI::

    python -m dashboard.ingest build [--geocode]   # raw sources -> data/snapshot/
    python -m dashboard.ingest report [--json]     # counts a maintainer needs (from the snapshot)
    python -m dashboard.ingest fetch [--from URL]  # fresh raw copies into data/raw/

Steps of ``build``: read every source -> assemble sites (directory programs, then the
substance-use directory, locator, LMS/211, licensed facilities and bed-holding hospitals
joined by the matching rules of ``match``) -> locate (exact address match / geocoder cache
/ ZIP centroid / none) -> taxonomy flags -> tag SPA, 2021 supervisorial district and tract
-> denominators (tracts split across district lines by largest area share, with the error
bound) -> drive time by tract, shortage areas -> validate -> write -> report.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from dashboard import config, snapshot, taxonomy
from dashboard.errors import BuildError, SnapshotError, SourceError
from dashboard.ingest import areas, overrides
from dashboard.ingest.area_tables import (
    area_table,
    district_shares,
    district_split,
    drive_time_table,
    tag_areas,
    tract_table,
)
from dashboard.ingest.assemble import assemble_sites
from dashboard.ingest.counts import BuildCounts
from dashboard.ingest.crosswalk import BEDS_TO_LOCATION
from dashboard.ingest.facilities import facility_table
from dashboard.ingest.geocode import CensusGeocoder
from dashboard.ingest.report import (
    district_report,
    drive_time_report,
    hpsa_report,
    make_report,
    print_report,
)
from dashboard.ingest.sources import (
    cdph_beds,
    common,
    costs,
    covidcaremap,
    dhcs_licensed,
    districts_2021,
    geo,
    hcai,
    hpsa,
    lms_211,
    oeps_drive_time,
    samhsa_directory,
    samhsa_locator,
)
from dashboard.registry import SOURCES
from dashboard.vocab import Precision

SCHEMA_VERSION = 1

Progress = Callable[[str, float], None]


# --------------------------------------------------------------------------- reading


def read_sources(raw_dir: Path) -> dict[str, object]:
    raw_dir = Path(raw_dir)
    out: dict[str, object] = {
        "directory": samhsa_directory.read(raw_dir),
        "code_labels": samhsa_directory.code_labels(raw_dir, "mental"),
        "locator": samhsa_locator.read(raw_dir),
        "lms": lms_211.read(raw_dir),
        "beds": cdph_beds.read(raw_dir),
        "hcai": hcai.read(raw_dir),
        "ccm": covidcaremap.read(raw_dir),
        "licensed": dhcs_licensed.read(raw_dir),
        "benchmarks": costs.read(raw_dir),
        "spas": geo.read_spas(raw_dir),
        "districts": districts_2021.read(raw_dir),
        "tracts": geo.read_tracts(raw_dir),
        "spa_population": geo.read_spa_population(raw_dir),
        "boundary": geo.read_boundary(raw_dir),
        "drive_time": oeps_drive_time.read(raw_dir),
        "hpsa": hpsa.read(raw_dir),
    }
    return out


# --------------------------------------------------------------------------- validation


REQUIRED = (
    "site_id",
    "name",
    "lat",
    "lon",
    "location_precision",
    "primary_source",
    "as_of",
    "sources",
    "spa",
    "sd",
    "kind",
    *taxonomy.flag_columns(),
)


def validate(
    fac: pd.DataFrame, area: pd.DataFrame, src: dict, counts: BuildCounts, *, check_counts: bool = True
) -> None:
    missing = [c for c in REQUIRED if c not in fac.columns]
    if missing:
        raise BuildError(f"facility table lacks columns {missing}")
    located = fac["location_precision"] != Precision.NONE
    outside = located & fac["spa"].isna()
    if outside.any():
        bad = fac.loc[outside, ["primary_source", "name", "lat", "lon"]].head(5)
        raise BuildError(
            "located facilities fall outside Los Angeles County: "
            + "; ".join(
                f"{r.primary_source}: {r.name!r} at ({r.lat:.4f}, {r.lon:.4f})" for r in bad.itertuples()
            )
        )
    # Published SPA totals must equal our tract sums (same 2018 estimates).
    pub = src["spa_population"].set_index("spa")
    ours = area[area["level"] == "spa"].set_index("area")
    path = f"{SOURCES['geo'].folder}/{geo.SPA_POP_FILE}"
    for col in ("pop_total", "pop_0_17", "pop_65p", "pov133"):
        if col in pub.columns:
            diff = (ours[col] - pub.loc[ours.index, col]).abs()
            if (diff > 0).any():
                raise BuildError(
                    f"{path}: column {col!r}: SPA totals differ from the tract sums "
                    f"for SPA {diff[diff > 0].index.tolist()} (tract file and SPA file "
                    "are from different vintages?)"
                )
    if check_counts:
        for key, lo, hi in (
            ("directory_mental_rows", 100, 5000),
            ("bed_facilities", 20, 500),
            ("locator_rows", 100, 5000),
            ("lms_rows", 100, 5000),
            ("licensed_rows", 10, 1000),
        ):
            n = getattr(counts, key)
            if not lo <= n <= hi:
                raise BuildError(
                    f"{key} = {n} is outside the expected range "
                    f"[{lo}, {hi}]: a truncated or wrong source file?"
                )
        if not 9_000_000 < area.loc[area["level"] == "county", "pop_total"].iloc[0] < 12_000_000:
            raise BuildError(f"{path}: county population outside the expected 9-12 million")


def check_rows(raw_dir: Path) -> None:
    """Each registered file holds at least its ``min_rows`` records (a file cut cleanly at a
    record boundary reads without error, but is short).  Run right after reading, so the
    message names the file rather than a later symptom (a count, a crosswalk entry)."""
    for s in SOURCES.values():
        for f in s.files:
            n = common.records_in(Path(raw_dir) / s.folder / f.name)
            if n is None:
                raise BuildError(f"{s.folder}/{f.name} cannot be read to count its records")
            if n < f.min_rows:
                raise BuildError(
                    f"{s.folder}/{f.name}: {n} rows, expected at least {f.min_rows}: the file looks truncated"
                )


# --------------------------------------------------------------------------- build


def fingerprint(raw_dir: Path) -> dict:
    """What a snapshot was built from: the sha256 of every registered raw file (None when
    absent) and the hash of the code that builds it.  Depends on content only, so two
    builds of the same files by the same code carry the same fingerprint anywhere."""
    files = {}
    for s in SOURCES.values():
        for f in s.files:
            p = Path(raw_dir) / s.folder / f.name
            try:
                files[f"{s.folder}/{f.name}"] = hashlib.sha256(p.read_bytes()).hexdigest()[:16]
            except OSError:
                files[f"{s.folder}/{f.name}"] = None
    return {"files": files, "code": code_hash(), "schema": SCHEMA_VERSION}


def code_hash() -> str:
    """sha1 of the code a snapshot depends on: the whole ingest package and the shared
    modules it imports (registry, taxonomy, vocab, errors, snapshot)."""
    pkg = Path(__file__).resolve().parent
    core = pkg.parent
    paths = sorted(pkg.rglob("*.py")) + [
        core / f"{m}.py" for m in ("registry", "taxonomy", "vocab", "errors", "snapshot")
    ]
    h = hashlib.sha1(usedforsecurity=False)
    for p in paths:
        h.update(p.relative_to(core).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def build(
    raw_dir: Path | None = None,
    data_dir: Path | None = None,
    *,
    progress: Progress | None = None,
    geocoder: CensusGeocoder | None = None,
    check_counts: bool = True,
) -> snapshot.Snapshot:
    """Raw sources -> a new snapshot in ``data_dir`` (default: the committed data/snapshot/).

    ``geocoder`` defaults to the offline Census geocoder cache (``data/geocode_cache.json``);
    pass ``CensusGeocoder(online=True)`` to ask the geocoder for addresses it lacks."""
    raw_dir = Path(raw_dir or config.raw_dir())
    data_dir = Path(data_dir or config.data_dir())
    say = progress or (lambda msg, frac: None)
    t0 = time.perf_counter()
    if not raw_dir.is_dir():
        raise BuildError(
            f"no raw sources at {raw_dir}: put them there, set LAMH_RAW_DIR, or run `{config.FETCH_COMMAND}`"
        )
    fp = fingerprint(raw_dir)
    say("Reading the raw sources", 0.05)
    src = read_sources(raw_dir)
    if check_counts:
        check_rows(raw_dir)
    say("Matching and locating facilities", 0.35)
    geocoder = geocoder if geocoder is not None else CensusGeocoder()
    sites, counts, excluded, bed_rows = assemble_sites(src, geocoder)
    geocoder.save()
    say("Tagging areas", 0.6)
    fac = tag_areas(facility_table(sites), src)
    shares = district_shares(src)
    tracts = tract_table(src, shares)
    area = area_table(tracts, fac, src, district_split(tracts, shares))
    drive = drive_time_table(tracts, src["drive_time"])
    say("Validating", 0.8)
    validate(fac, area, src, counts, check_counts=check_counts)
    report = make_report(fac, area, counts, excluded)
    near_line = areas.metres_to(fac["lon"], fac["lat"], areas.shared_lines(src["districts"]["geometry"]))
    report["districts_2021"] = district_report(area, tracts, near_line)
    report["drive_time"] = drive_time_report(drive, src["drive_time"], area)
    report["hpsa"] = hpsa_report(src["hpsa"])
    say("Writing the snapshot", 0.9)
    tables = {
        "facilities": fac,
        "areas": area,
        "tracts": tracts,
        "beds": _beds_table(bed_rows, fac),
        "benchmarks": src["benchmarks"],
        "excluded": excluded,
        "drive_time": drive,
        "hpsa": src["hpsa"],
    }
    geojson = _geojson(src)
    manifest = _manifest(fp, src, report, seconds=time.perf_counter() - t0)
    snapshot.write(data_dir, tables, geojson, manifest)
    say("Done", 1.0)
    return snapshot.read(data_dir)


def _geojson(src: dict) -> dict[str, dict]:
    """The area polygons the maps draw, simplified (the tracts finer than the areas)."""
    return {
        "spa": areas.to_geojson(src["spas"], "spa", tolerance=0.003, precision=4, props=("name",)),
        "sd": areas.to_geojson(src["districts"], "sd", tolerance=0.003, precision=4, props=("name",)),
        "tracts": areas.to_geojson(src["tracts"], "geoid", tolerance=0.0015, precision=4),
    }


def _manifest(fp: dict, src: dict, report: dict, *, seconds: float) -> dict:
    """What the snapshot was built from and when, its sources as cited, and the report."""
    return {
        "schema": SCHEMA_VERSION,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(seconds, 2),
        "fingerprint": fp,
        "sources": {
            k: {
                "title": s.title,
                "publisher": s.publisher,
                "vintage": s.vintage,
                "licence": s.licence,
                "url": s.url,
                "method": s.method,
                "geography": s.geography,
                "limits": s.limits,
            }
            for k, s in SOURCES.items()
        },
        "population_vintage": geo.POP_VINTAGE,
        "code_labels": src["code_labels"],
        "bed_crosswalk": {
            facid: {"placed_by": ref, "why": why} for facid, (ref, why) in BEDS_TO_LOCATION.items()
        },
        "match_overrides": overrides.table(),
        "report": report,
    }


def _beds_table(bed_rows: pd.DataFrame, fac: pd.DataFrame) -> pd.DataFrame:
    cols = ["facid", "facname", "fac_type", "beds", "data_date", "state_hospital", "location_how"]
    out = bed_rows[cols].copy()
    site = fac[fac["beds_facid"].notna()].set_index("beds_facid")
    out["site_id"] = out["facid"].map(site["site_id"])
    out["spa"] = out["facid"].map(site["spa"]).astype("Int64")
    out["sd"] = out["facid"].map(site["sd"]).astype("Int64")
    out["located"] = out["facid"].map(site["location_precision"]) != Precision.NONE
    return out


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m dashboard.ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="raw sources -> the snapshot in data/snapshot/")
    b.add_argument(
        "--geocode",
        action="store_true",
        help="ask the online US Census geocoder for addresses not in its cache",
    )
    r = sub.add_parser("report", help="counts from the snapshot")
    r.add_argument("--json", action="store_true")
    f = sub.add_parser("fetch", help="download fresh raw sources into data/raw/")
    f.add_argument(
        "--from", dest="base", default=None, help="base URL of a mirror laid out like the raw folder"
    )
    f.add_argument("--dest", default=None, help="target folder (default data/raw/)")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "build":

            def say(msg, frac):
                print(f"[{frac:4.0%}] {msg}", file=sys.stderr)

            snap = build(progress=say, geocoder=CensusGeocoder(online=True) if args.geocode else None)
            print(f"wrote {snap.path} ({snap.id}) in {snap.manifest.build_seconds} s", file=sys.stderr)
            return 0
        if args.cmd == "report":
            snap = snapshot.read(config.data_dir())
            if args.json:
                print(json.dumps(snap.manifest.to_dict()["report"], sort_keys=True))
            else:
                print_report(snap.manifest.to_dict()["report"])
            return 0
        if args.cmd == "fetch":
            from dashboard.ingest import fetch

            return fetch.main(base=args.base, dest=Path(args.dest) if args.dest else None)
    except (SourceError, BuildError, SnapshotError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1


if __name__ == "__main__":
    sys.exit(main())
