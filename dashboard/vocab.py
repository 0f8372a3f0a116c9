"""The snapshot's own words, typed: one home for each, used by ingest, analysis, render and pages.

Each is a ``StrEnum``, so a member is the very string stored in the snapshot's tables
(``fac["location_precision"] == Precision.NONE`` works on the column as it is) and a
misspelt member fails on import instead of matching nothing.
"""

from __future__ import annotations

from enum import StrEnum

DISTRICT_PLAN = "2021 plan"
# The drive-time bands the tract table counts residents beyond (``beyond_10`` ...).
DRIVE_MINUTES = (10, 20, 30)


class Precision(StrEnum):
    """How a site is placed (facilities.location_precision)."""

    EXACT = "exact"
    APPROXIMATE = "approximate"
    NONE = "none"

    @property
    def label(self) -> str:
        return {
            Precision.EXACT: "exact address",
            Precision.APPROXIMATE: "approximate (ZIP centroid)",
            Precision.NONE: "not located",
        }[self]


class Kind(StrEnum):
    """A site's map symbol class (facilities.kind), from its care setting and beds."""

    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"  # a hospital or PHF; may also offer outpatient
    RESIDENTIAL_DAY = "residential_day"  # residential or day treatment, no outpatient
    OTHER = "other"  # e.g. crisis services only
    UNKNOWN = "unknown"  # a locations-only source says nothing of the setting

    @property
    def label(self) -> str:
        return {
            Kind.OUTPATIENT: "Outpatient",
            Kind.INPATIENT: "Inpatient (hospital or PHF; may also offer outpatient)",
            Kind.RESIDENTIAL_DAY: "Residential or day treatment (no outpatient)",
            Kind.OTHER: "Other setting (e.g. crisis services only)",
            Kind.UNKNOWN: "Setting unknown (locations-only source)",
        }[self]


class Level(StrEnum):
    """An area level (areas.level; the sidebar's and the link's ``level``)."""

    COUNTY = "county"
    SPA = "spa"  # Service Planning Areas, 2012 lines
    SD = "sd"  # Supervisorial districts, 2021 plan

    @property
    def label(self) -> str:
        return {
            Level.COUNTY: "Los Angeles County",
            Level.SPA: "Service Planning Area (2012)",
            Level.SD: f"Supervisorial district ({DISTRICT_PLAN})",
        }[self]


# The levels a user can map and select (the county is every area's comparison).
AREA_LEVELS = (Level.SPA, Level.SD)
