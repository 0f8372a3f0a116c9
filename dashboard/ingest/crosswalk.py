"""Reviewed crosswalk: CDPH bed-file facilities (FACID) whose names differ from the
coordinate sources.  Every other psychiatric-bed facility is matched automatically by
normalised name; a name that matches nothing or several places must be listed here.

Each entry: FACID -> (coordinate-source id or None, reason).  ``None`` means no source
places the facility; its beds still count county-wide but not in any area.
"""

from __future__ import annotations

BEDS_TO_LOCATION: dict[str, tuple[str | None, str]] = {
    "060000631": ("hcai-15801", "Olive View-UCLA psychiatric unit: parent hospital LAC/Olive View-UCLA"),
    "060000700": (
        "hcai-18209",
        "Los Angeles General D/P APH: HCAI lists it as LAC+USC Medical Center D/P APH",
    ),
    "170001858": (
        "ccm-73790650",
        "DSH-Metropolitan: only CovidCareMap places it (11401 Bloomfield Ave, Norwalk)",
    ),
    "930000121": ("hcai-11983", "Kaiser Mental Health Center D/P APH, 765 College St"),
    "930000492": ("hcai-11848", "Brotman Medical Center is now Southern California Hospital at Culver City"),
    "930000558": ("hcai-12004", "Saint Francis = St. Francis Medical Center, Lynwood"),
    "930000652": ("hcai-11668", "Glendale Adventist Medical Center is now Adventist Health Glendale"),
    "930000854": ("hcai-11844", "Glendale Memorial Hospital and Health Center"),
    "930000860": ("hcai-12198", "White Memorial Medical Center is now Adventist Health White Memorial"),
    "930000888": ("hcai-13333", "Henry Mayo Newhall (Memorial) Hospital"),
    "930000894": (
        "hcai-11428",
        "Bellflower Medical Center site (9542 E Artesia Blvd) is now Los Angeles "
        "Community Hospital at Bellflower",
    ),
    "930001207": ("hcai-11733", "Huntington Memorial Hospital is now Huntington Hospital"),
    "930001555": ("hcai-12551", "Verdugo Hills Hospital is now USC Verdugo Hills Hospital"),
    "930001800": ("hcai-11847", "Mission Community Hospital, Panorama campus"),
    "930000114": (
        "hcai-11927",
        "College Medical Center (general acute), 2776 Pacific Ave, Long Beach; "
        "the short name also matches College Hospital, Cerritos",
    ),
    "930000196": (
        "hcai-12575",
        "College Hospital, Cerritos; the short name also matches College Medical Center",
    ),
    "930000625": (None, "Vista Specialty Hospital of San Gabriel Valley: no coordinate source lists it"),
}
