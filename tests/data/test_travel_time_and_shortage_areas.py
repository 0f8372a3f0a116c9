"""The two new lenses on the real sources: OEPS drive time by tract, HRSA mental-health HPSAs.
Figures asserted here are the ones each source folder's PROVENANCE.md documents."""

from __future__ import annotations

from dashboard.ingest.sources import hpsa, oeps_drive_time


def test_drive_time_file_matches_its_provenance(real_raw):
    d = oeps_drive_time.read(real_raw)
    assert len(d) == 2347
    assert round(float(d["minutes"].median()), 2) == 4.26
    assert round(float(d["minutes"].max()), 2) == 47.27
    assert int((d["minutes"] == 0).sum()) == 185
    assert int((d["minutes"] > 30).sum()) == 8
    assert int(d["minutes"].isna().sum()) == 1
    assert int(d["providers_30min"].median()) == 114 and int(d["providers_30min"].max()) == 170
    assert int((d["providers_30min"] == 0).sum()) == 9


def test_drive_time_table_covers_every_tract(real_build):
    dt, tracts = real_build.drive_time, real_build.tracts
    assert list(dt["geoid"]) == list(tracts["geoid"])
    assert (dt[["spa", "sd", "pop_total"]].to_numpy() == tracts[["spa", "sd", "pop_total"]].to_numpy()).all()
    row = dt.set_index("geoid").loc["06037137000"]  # renumbered in 2012: the 2010 id's row
    assert (row["minutes"], row["providers_30min"], bool(row["reliable"])) == (4.14, 58, True)
    unreliable = dt.loc[~dt["reliable"], "geoid"].tolist()
    assert unreliable == ["06037534603", "06037599000", "06037599100"]  # no row; Santa Catalina
    rep = real_build.manifest.report.drive_time
    assert set(rep.tracts_without_a_value) == set(unreliable)
    assert rep.rows_for_tracts_not_in_the_tract_table == ["06037990100", "06037990200"]


def test_residents_beyond_n_minutes_add_up(real_build):
    dt = real_build.drive_time
    ok = dt[dt["reliable"]]
    rep = real_build.manifest.report.drive_time.residents_beyond_minutes
    previous = None
    for m in ("10", "20", "30"):
        b = rep[m]
        assert b["county"] == int(ok.loc[ok["minutes"] > int(m), "pop_total"].sum())
        assert sum(b["by_spa"].values()) == b["county"] == sum(b["by_district"].values())
        assert previous is None or b["county"] <= previous
        previous = b["county"]
    assert rep["30"]["county"] > 0  # the Antelope Valley's far tracts


def test_hpsa_designations_match_the_provenance(real_raw, real_build):
    h = hpsa.read(real_raw)
    assert len(h) == 31
    assert h["status"].value_counts().to_dict() == {"Designated": 26, "Proposed For Withdrawal": 5}
    proposed = set(h.loc[h["status"] == "Proposed For Withdrawal", "hpsa_id"])
    assert {"7064408852", "7069888968"} <= proposed
    assert not h["name"].str.contains("&amp;").any()
    plain = lambda df: df.astype(object).where(df.notna(), None).to_dict("records")  # noqa: E731
    assert plain(real_build.hpsa) == plain(h)
    assert real_build.manifest.report.hpsa.by_status == {
        "Designated": 26,
        "Proposed For Withdrawal": 5,
    }


def test_label_facts_are_in_the_manifest(real_build):
    src = real_build.manifest.sources
    assert "free-flow" in src["oeps_drive_time"].method and "2010" in src["oeps_drive_time"].geography
    assert "MSSA" in src["hpsa_mental_health"].geography
