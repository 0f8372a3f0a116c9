"""What a build counted while reading and assembling, as one typed object.

``assemble``, ``linking`` and ``beds`` fill it, ``pipeline`` validates it and
``report.make_report`` serialises it into the manifest's report (``source_rows``, keys =
field names), which the Data page reads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class BuildCounts:
    # SAMHSA directories
    directory_mental_rows: int = 0
    directory_duplicate_rows_merged: int = 0
    directory_substance_rows: int = 0
    directory_substance_rows_matched_to_mh: int = 0
    # SAMHSA locator 2020
    locator_rows: int = 0
    locator_rows_matched: int = 0
    locator_only_sites: int = 0
    # LA County LMS / 211
    lms_rows: int = 0
    lms_rows_excluded: int = 0
    lms_rows_matched: int = 0
    lms_only_sites: int = 0
    # DHCS / CDPH licence list
    licensed_rows: int = 0
    licensed_rows_other_kind: int = 0  # the bed file says another kind of facility
    licensed_rows_matched: int = 0
    licensed_only_sites: int = 0
    # CDPH licensed acute psychiatric beds
    bed_facilities: int = 0
    beds_total: int = 0
    beds_excluding_state_hospital: int = 0
    bed_facilities_unlocated: list[str] = field(default_factory=list)
    # PHFs (DHCS-licensed; not in the bed file): beds where CovidCareMap counts them
    phf_beds: int = 0
    phf_without_beds: list[str] = field(default_factory=list)
    # matching
    sites_merged_by_proximity: int = 0
    records_linked_by_rule: dict[str, int] = field(default_factory=dict)
    records_linked_as_history: int = 0
    records_ambiguous: int = 0
    points_given_to_several_addresses: int = 0
    excluded_records: int = 0

    def linked(self, rule: str) -> None:
        self.records_linked_by_rule[rule] = self.records_linked_by_rule.get(rule, 0) + 1

    def as_dict(self) -> dict:
        out = asdict(self)
        out["records_linked_by_rule"] = dict(sorted(self.records_linked_by_rule.items()))
        return out
