"""Decoding SAMHSA service codes and licence categories into the taxonomy's flags."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import taxonomy
from dashboard.ingest.facilities import kind_of

col = taxonomy.flag_column


@pytest.mark.parametrize(
    "text, codes",
    [
        ("MH SUMH * OP * OMH", ("MH", "SUMH", "OP", "OMH")),
        ("  SA   MH*OP  ", ("SA", "MH", "OP")),  # sections glued to the separator, extra spaces
        ("", ()),
        (None, ()),
        (float("nan"), ()),
    ],
)
def test_parse_codes(text, codes):
    assert taxonomy.parse_codes(text) == codes


def test_flags_from_codes_are_true_or_false():
    flags = taxonomy.flags_for(("MH", "OP", "SMI", "CHLD", "MD", "SP", "CLOZA"))
    assert flags[col("setting", "outpatient")] is True
    assert flags[col("setting", "inpatient")] is False
    assert flags[col("condition", "smi")] is True
    assert flags[col("condition", "sed")] is False
    assert flags[col("population", "children")] is True
    assert flags[col("payment", "medi_cal")] is True
    assert flags[col("language", "spanish")] is True
    assert flags[col("service", "medication")] is True  # any antipsychotic code
    assert set(flags) == set(taxonomy.flag_columns())
    assert all(v is True or v is False for v in flags.values())


@pytest.mark.parametrize(
    "code, group, value",
    [
        ("SUMH", "condition", "cooccurring"),
        ("IDD", "condition", "cooccurring"),
        ("TAY", "population", "young_adults"),
        ("SE", "population", "seniors"),
        ("FPSY", "service", "family"),
        ("PEOFF", "setting", "psych_emergency"),
        ("CIT", "setting", "crisis_team"),
        ("PHDT", "setting", "day"),
    ],
)
def test_any_code_of_a_value_sets_it(code, group, value):
    assert taxonomy.flags_for((code,))[col(group, value)] is True
    assert taxonomy.flags_for(("MH",))[col(group, value)] is False


def test_no_coded_profile_means_unknown():
    flags = taxonomy.flags_for(None)
    assert all(v is pd.NA for v in flags.values())


def test_empty_coded_profile_is_known_false():
    flags = taxonomy.flags_for(())
    assert all(v is False for v in flags.values())


@pytest.mark.parametrize(
    "licence, true_settings",
    [
        (taxonomy.LICENCE_PHF, {"inpatient"}),
        (taxonomy.LICENCE_APH, {"inpatient"}),
        (taxonomy.LICENCE_MHRC, {"residential"}),
        (taxonomy.LICENCE_PSYCH_CLINIC, {"outpatient"}),
    ],
)
def test_licence_only_sets_settings_and_leaves_the_rest_unknown(licence, true_settings):
    flags = taxonomy.flags_for(None, licence)
    for v in taxonomy.GROUP_BY_ID["setting"].values:
        assert flags[col("setting", v.id)] is (v.id in true_settings)
    for g in taxonomy.GROUPS:
        if g.id != "setting":
            assert all(flags[col(g.id, v.id)] is pd.NA for v in g.values), g.id


def test_codes_and_licence_combine():
    flags = taxonomy.flags_for(("OP",), taxonomy.LICENCE_APH)
    assert flags[col("setting", "outpatient")] is True
    assert flags[col("setting", "inpatient")] is True  # from the licence
    assert flags[col("setting", "residential")] is False


def test_unknown_codes_set_nothing():
    flags = taxonomy.flags_for(("NOT_A_CODE",))
    assert not any(v is True for v in flags.values())


def test_labels_and_group_known():
    row = taxonomy.flags_for(("OP", "HI"))
    assert taxonomy.labels_for(row, "setting") == ["Outpatient", "Inpatient (hospital or PHF)"]
    assert taxonomy.group_known(row, "setting") is True
    assert taxonomy.group_known(taxonomy.flags_for(None), "setting") is False


@pytest.mark.parametrize(
    "codes, licence, beds, kind",
    [
        (("OP",), None, None, "outpatient"),
        (("OP", "HI"), None, None, "inpatient"),
        (("RES",), None, None, "residential_day"),
        (("PHDT",), None, None, "residential_day"),
        (("WI",), None, None, "other"),
        (None, None, None, "unknown"),
        (None, None, 12, "inpatient"),  # licensed psychiatric beds make a site inpatient
        (None, taxonomy.LICENCE_MHRC, None, "residential_day"),
        # a residential treatment centre that also ticks hospital inpatient is residential
        (("RTCA", "HI", "RES"), None, None, "residential_day"),
        (("PSY", "RTCA", "HI"), None, None, "inpatient"),
        (("RTCA", "HI"), None, 20, "inpatient"),  # unless it holds licensed beds
    ],
)
def test_kind_of(codes, licence, beds, kind):
    assert kind_of(taxonomy.flags_for(codes, licence), beds) == kind


def test_every_taxonomy_code_is_unique_within_a_group():
    for g in taxonomy.GROUPS:
        ids = [v.id for v in g.values]
        assert len(ids) == len(set(ids)), g.id


def test_retired_ids_are_taken_over_only_where_values_combine_as_any():
    # An old link's value is replaced by several: "all of them" would match fewer sites
    # than the retired value did, "any of them" matches the same ones.
    for g in taxonomy.GROUPS:
        retired = {r for v in g.values for r in v.replaces}
        assert not retired & set(g.ids), g.id
        if retired:
            assert g.mode == taxonomy.ANY, g.id


def test_a_retired_values_replacements_carry_exactly_its_codes():
    # setting=emergency ("Psychiatric emergency / crisis") matched WI, PEON, PEOFF or CIT
    retired = {("setting", "emergency"): {"WI", "PEON", "PEOFF", "CIT"}}
    for (gid, old), codes in retired.items():
        g = taxonomy.GROUP_BY_ID[gid]
        assert set().union(*(v.codes for v in g.values if old in v.replaces)) == codes
