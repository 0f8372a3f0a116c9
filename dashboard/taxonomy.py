"""The code taxonomy: the ONE place that maps source codes to the user's vocabulary.

Filters, the facility table's flag columns, popups, the Data & methods page and
validation all read from here.  Codes are SAMHSA N-SUMHSS 2024 *mental-health* directory
codes (decode substance-directory rows with their own key); settings can also come from a
state licence category (a psychiatric hospital licence *is* a statement about the setting).

A value matches a facility when the facility carries ANY of the value's codes.  How the
selected values of one group combine (all / any) is the group's ``mode``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

ALL = "all"
ANY = "any"

# Per-capita denominators: tract-table columns (2018 estimates) and their plain meaning.
# Population and payment values name the one they imply (``Value.denominator``).
DENOMINATORS = {
    "pop_total": "all residents",
    "pop_0_17": "residents aged 0-17",
    "pop_18_64": "residents aged 18-64",
    "pop_65p": "residents aged 65+",
    "pov133": "residents below 133% of the federal poverty level (Medi-Cal income proxy)",
}


@dataclass(frozen=True)
class Value:
    id: str  # stable, URL-safe
    label: str
    codes: tuple[str, ...] = ()
    note: str = ""
    # Setting values only: state licence categories that imply this setting.
    licences: tuple[str, ...] = ()
    # Population / payment values only: the per-capita denominator this value implies.
    denominator: str | None = None
    # Ids of retired values this one takes over in old links (only in ANY groups, where
    # the values that share a retired id match together exactly what it matched).
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    mode: str  # ALL or ANY
    values: tuple[Value, ...]
    note: str = ""

    @property
    def mode_text(self) -> str:
        return "offers all selected" if self.mode == ALL else "offers any selected"

    def value(self, value_id: str) -> Value:
        for v in self.values:
            if v.id == value_id:
                return v
        raise KeyError(value_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.values)

    def replaced(self, value_id: str) -> bool:
        """A retired value id that old links may still carry."""
        return any(value_id in v.replaces for v in self.values)


ANTIPSYCHOTICS = (
    "ANTPYCH",
    "ARIPI",
    "ASENA",
    "BREXP",
    "CARIP",
    "CHLOR",
    "CLOZA",
    "DROPE",
    "FLUPH",
    "HALOP",
    "ILOPE",
    "LOXAP",
    "LURAS",
    "OLANZ",
    "OLANZF",
    "PALIP",
    "PERPH",
    "PIMOZ",
    "PROCH",
    "QUETI",
    "RISPE",
    "THIOR",
    "THIOT",
    "TRIFL",
    "ZIPRA",
)

# Licence categories as written by the sources (DHCS / CDPH listing, CDPH bed file).
LICENCE_APH = "Acute Psychiatric Hospital"
LICENCE_PHF = "Psychiatric Health Facility"
LICENCE_MHRC = "Mental Health Rehabilitation Center"
LICENCE_PSYCH_CLINIC = "Psychology Clinic"

GROUPS: tuple[Group, ...] = (
    Group(
        "condition",
        "Condition / special program",
        ALL,
        (
            Value("smi", "Serious mental illness (adults)", ("SMI",)),
            Value("sed", "Serious emotional disturbance (children)", ("SED",)),
            Value(
                "cooccurring",
                "Co-occurring substance use",
                ("CO", "SUMH", "IDD"),
                "Program for co-occurring disorders, co-occurring treatment, or "
                "integrated mental health and substance use treatment",
            ),
            Value("trauma", "Trauma and PTSD", ("PTSD", "TRMA")),
            Value("eating", "Eating disorders", ("PED",)),
            Value("psychosis", "First-episode psychosis", ("PEFP",)),
            Value("dementia", "Alzheimer's or dementia", ("ALZ",)),
            Value("tbi", "Traumatic brain injury", ("TBI",)),
            Value("hiv", "HIV or AIDS", ("HV",)),
        ),
        note="The source has no code for anxiety or depression specifically: they are "
        "treated by general mental-health outpatient sites (all sites below). No "
        "per-condition flag is invented for them.",
    ),
    Group(
        "population",
        "Population served",
        ALL,
        (
            Value("children", "Children and adolescents", ("CHLD",), denominator="pop_0_17"),
            Value(
                "young_adults",
                "Young adults (transition age)",
                ("YAD", "TAY"),
                "No 18-25 population estimate is published by area; per-capita uses residents 18-64",
                denominator="pop_18_64",
            ),
            Value("adults", "Adults", ("ADLT",), denominator="pop_18_64"),
            Value("seniors", "Seniors / older adults", ("SNR", "SE"), denominator="pop_65p"),
            Value("veterans", "Veterans", ("VET",)),
            Value("military", "Active duty military and military families", ("ADM", "MF")),
            Value("lgbtq", "LGBTQ+", ("GL",)),
            Value("justice", "Justice-involved / forensic", ("CJ",)),
            Value("dv", "Survivors of intimate partner violence", ("DV",)),
            Value("deaf", "Deaf and hard of hearing (sign language)", ("AH",)),
        ),
    ),
    Group(
        "service",
        "Service",
        ALL,
        (
            Value("individual", "Individual therapy", ("IPT",)),
            Value("group", "Group therapy", ("GT",)),
            Value(
                "family",
                "Family counseling",
                ("CFT", "FPSY"),
                "Couples/family therapy or family psychoeducation",
            ),
            Value(
                "medication",
                "Medication management (psychiatric medication reported)",
                ANTIPSYCHOTICS,
                "The directory reports antipsychotic medications only; a site that "
                "prescribes other psychiatric medication without reporting an "
                "antipsychotic does not match",
            ),
            Value("telehealth", "Telehealth", ("TELE",)),
            Value("cbt", "Cognitive behavioral therapy (CBT)", ("CBT",)),
            Value("dbt", "Dialectical behavior therapy (DBT)", ("DBT",)),
            Value("emdr", "EMDR", ("EMDR",)),
            Value("case_mgmt", "Case management", ("CM", "ICM")),
            Value("act", "Assertive community treatment", ("ACT",)),
            Value("peer", "Peer support", ("PEER",)),
            Value("housing", "Supported housing / housing services", ("SH", "HS")),
            Value("employment", "Supported employment / vocational", ("SEMP", "VRS")),
            Value("suicide", "Suicide prevention", ("SPS",)),
            Value("primary_care", "Integrated primary care", ("IPC",)),
            Value("tms_ect", "TMS, ECT or ketamine", ("TMS", "ECT", "KIT")),
        ),
    ),
    Group(
        "setting",
        "Care setting",
        ANY,
        (
            Value("outpatient", "Outpatient", ("OP",), licences=(LICENCE_PSYCH_CLINIC,)),
            Value("day", "Partial hospitalization / day treatment", ("PH", "PHDT")),
            Value("residential", "Residential (24-hour)", ("RES",), licences=(LICENCE_MHRC,)),
            Value(
                "inpatient",
                "Inpatient (hospital or PHF)",
                ("HI",),
                "Hospital inpatient care, or a psychiatric hospital or PHF licence; a residential "
                "treatment centre reporting hospital inpatient care is counted as residential",
                licences=(LICENCE_APH, LICENCE_PHF),
            ),
            Value(
                "psych_emergency",
                "Psychiatric emergency (walk-in, onsite or mobile)",
                ("WI", "PEON", "PEOFF"),
                "Psychiatric emergency walk-in, onsite or mobile / off-site services",
                replaces=("emergency",),
            ),
            Value(
                "crisis_team",
                "Crisis intervention team",
                ("CIT",),
                "The directory's crisis intervention team code; on its own it does not say that "
                "the site takes psychiatric emergencies",
                replaces=("emergency",),
            ),
        ),
        note="Settings of licensed hospitals, PHFs, MHRCs and psychology clinics come from "
        "their state licence category.",
    ),
    Group(
        "payment",
        "Payment accepted",
        ANY,
        (
            Value("medi_cal", "Medi-Cal (Medicaid)", ("MD",), denominator="pov133"),
            Value("medicare", "Medicare", ("MC",)),
            Value("private", "Private insurance", ("PI",)),
            Value("cash", "Cash / self-pay", ("SF",)),
            Value("sliding", "Sliding fee scale", ("SS",)),
            Value("assistance", "Payment assistance", ("PA",)),
            Value("tricare", "TRICARE (military)", ("MI",)),
            Value("va", "VA funds", ("VAF",)),
            Value("county", "County or local funds", ("CLF",)),
        ),
    ),
    Group(
        "language",
        "Language",
        ANY,
        (
            Value("spanish", "Spanish", ("SP",)),
            Value("chinese", "Chinese", ("F17",)),
            Value("korean", "Korean", ("F47",)),
            Value("tagalog", "Tagalog", ("F81",)),
            Value("vietnamese", "Vietnamese", ("F92",)),
            Value("farsi", "Farsi", ("F25",)),
            Value(
                "other",
                "Any language other than English or Spanish",
                ("FX",),
                "The directory's code 'Other languages (excluding Spanish)'. Every site with it "
                "also names its languages: most have a value of their own in this list, a few "
                "(Italian, Hmong, German, Polish) do not",
            ),
            Value("russian", "Russian", ("F70",)),
            Value("japanese", "Japanese", ("F43",)),
            Value("arabic", "Arabic", ("F4",)),
            Value("hindi", "Hindi", ("F36",)),
            Value("hebrew", "Hebrew", ("F35",)),
            Value("french", "French", ("F28",)),
            Value("portuguese", "Portuguese", ("F67",)),
            Value("native", "American Indian / Alaska Native languages", ("NX", "N24", "N40")),
        ),
        note="Sign language services are listed under populations (deaf and hard of hearing).",
    ),
    Group(
        "operator",
        "Operated by",
        ANY,
        (
            Value("nonprofit", "Private non-profit organisation", ("PVTN",)),
            Value("for_profit", "Private for-profit organisation", ("PVTP",)),
            Value("local_government", "Local, county or community government", ("LCCG",)),
            Value("state_government", "State government", ("STG",)),
            Value("federal", "Federal government", ("FED",)),
            Value("va", "U.S. Department of Veterans Affairs", ("VAMC",)),
            Value("defense", "Department of Defense", ("DDF",)),
            Value("indian_health", "Indian Health Service", ("IH",)),
            Value("tribal", "Tribal government", ("TBG",)),
        ),
        note="From the facility operation / ownership codes of the SAMHSA directory (2023 survey). "
        "Where the directory gives none, the county's and the state's own hospitals take it from "
        "the licence holder's name as the state writes it (CDPH bed file, HCAI: 'LAC/…', 'Los "
        "Angeles County …', 'Department of State Hospitals …'); unknown for the other sites known "
        "only from locations lists or licences. Counts are sites, not directory rows: a program "
        "the directory lists twice at one address is one site. LA County's own clinic "
        "network (the Department of Mental Health's directly operated clinics) is not in any "
        "source available here with its operator: the federal directory lists few county-run "
        "clinics (5 of its 203 LA programs report local, county or community government), so "
        "'Local, county or community government' is not the county's clinic count.",
    ),
)

GROUP_BY_ID: dict[str, Group] = {g.id: g for g in GROUPS}

# Facility types shown in popups (not a filter).
FACILITY_TYPES: dict[str, str] = {
    "OMH": "Outpatient mental health facility",
    "CMHC": "Community mental health center",
    "CBHC": "Certified community behavioral health clinic",
    "MHC": "Mental health clinic or center",
    "MSMH": "Multi-setting mental health facility",
    "FQHC": "Federally qualified health center",
    "PSY": "Psychiatric hospital",
    "IPSY": "Inpatient psychiatric unit of a general hospital",
    "RTCA": "Residential treatment center for adults",
    "RTCC": "Residential treatment center for children",
    "ORES": "Other residential treatment facility",
    "SHP": "State hospital",
    "VAHC": "VA healthcare facility",
}


# A residential treatment centre is not a hospital: when one also reports "hospital
# inpatient" (HI) without any hospital facility type or licence, its HI is not taken as
# inpatient care (two LA residential programs tick every box in the directory).  Licensed
# psychiatric beds still draw a site as inpatient (``ingest.facilities.kind_of``).
RESIDENTIAL_TYPES = frozenset({"RTCA", "RTCC", "ORES"})
HOSPITAL_TYPES = frozenset({"PSY", "IPSY", "SHP", "VAHC"})


def residential_not_hospital(codes: tuple[str, ...] | None, licence: str | None = None) -> bool:
    """The facility type says residential treatment centre and nothing says hospital."""
    cs = set(codes or ())
    return bool(cs & RESIDENTIAL_TYPES) and not cs & HOSPITAL_TYPES and licence is None


def flag_column(group_id: str, value_id: str) -> str:
    """Name of the facility table's nullable-boolean column for one value."""
    return f"{group_id}__{value_id}"


def flag_columns() -> list[str]:
    return [flag_column(g.id, v.id) for g in GROUPS for v in g.values]


def all_codes() -> set[str]:
    return {c for g in GROUPS for v in g.values for c in v.codes} | set(FACILITY_TYPES)


def parse_codes(service_code_info: str | float | None) -> tuple[str, ...]:
    """Split a SAMHSA ``service_code_info`` string into codes (sections joined by ``*``)."""
    if not isinstance(service_code_info, str):
        return ()
    return tuple(c for c in service_code_info.replace("*", " ").split() if c)


def flags_for(codes: tuple[str, ...] | None, licence: str | None = None) -> dict[str, object]:
    """Flags for one facility: True / False where the source says, ``pd.NA`` where unknown.

    ``codes`` are directory codes (None when the facility has no coded profile);
    ``licence`` is a state licence category (settings only).
    """
    out: dict[str, object] = {}
    code_set = set(codes) if codes is not None else None
    for g in GROUPS:
        for v in g.values:
            col = flag_column(g.id, v.id)
            if code_set is not None:
                hit = bool(code_set.intersection(v.codes))
                if g.id == "setting" and licence:
                    hit = hit or licence in v.licences
                if v.id == "inpatient" and residential_not_hospital(codes, licence):
                    hit = False
                out[col] = hit
            elif g.id == "setting" and licence:
                out[col] = licence in v.licences
            else:
                out[col] = pd.NA
    return out


def labels_for(row: pd.Series | dict, group_id: str) -> list[str]:
    """Plain labels of the values a facility row has in one group (True flags only)."""
    g = GROUP_BY_ID[group_id]
    return [v.label for v in g.values if row.get(flag_column(g.id, v.id)) is True]


def group_known(row: pd.Series | dict, group_id: str) -> bool:
    g = GROUP_BY_ID[group_id]
    val = row.get(flag_column(g.id, g.values[0].id))
    return val is not pd.NA and val is not None and not (isinstance(val, float) and val != val)


def taxonomy_table(code_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Every filter value with its plain label, source codes and semantics (for the Data page)."""
    rows = []
    for g in GROUPS:
        for v in g.values:
            codes = ", ".join(
                f"{c} ({code_labels[c]})" if code_labels and c in code_labels else c for c in v.codes
            )
            if v.licences:
                codes += ("; " if codes else "") + "licence: " + ", ".join(v.licences)
            rows.append(
                {
                    "filter": g.label,
                    "value": v.label,
                    "id": v.id,
                    "source codes": codes,
                    "how selections combine": g.mode_text,
                    "note": v.note,
                }
            )
    return pd.DataFrame(rows)
