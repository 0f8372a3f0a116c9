"""The source registry: the one place that says what each raw source is.

Readers take their file names and expected columns from here, validation checks against
it, the data report and the Data & methods page render it, and ``pipeline fetch`` uses
its URLs.  Facts come from each source folder's PROVENANCE.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _cols(names: str) -> tuple[str, ...]:
    """A file's expected columns, written as one space-separated list."""
    return tuple(names.split())


@dataclass(frozen=True)
class SourceFile:
    name: str
    columns: tuple[str, ...] = ()
    # A direct download of the same file format from the publisher, when one exists.
    # Where the publisher only offers a workbook, PDF or a national file of another
    # shape, this is None and `fetch` needs a mirror (``--from``).
    download_url: str | None = None
    # Fewer rows (or features) than this means a truncated or wrong file.
    min_rows: int = 1
    # Without a download_url: what the publisher offers instead (a workbook, a map service,
    # ...), from the folder's PROVENANCE.md; ``fetch`` shows it with the landing page.
    offered_as: str | None = None


@dataclass(frozen=True)
class Source:
    key: str
    folder: str
    title: str
    publisher: str
    vintage: str
    licence: str
    url: str
    role: str
    files: tuple[SourceFile, ...] = field(default_factory=tuple)
    short: str = ""  # how pages cite it: publisher, product and vintage in a few words
    # For labels beside a figure that is the source's own (not recomputed here): how it was
    # made, for which geography, and what it cannot say.
    method: str = ""
    geography: str = ""
    limits: str = ""

    def file(self, name: str) -> SourceFile:
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(name)


_DIRECTORY_COLUMNS = _cols(
    "facility_id directory_type name1 name2 street1 street2 city state zip phone intake1 intake2"
    " service_code_info"
)

SOURCES: dict[str, Source] = {
    s.key: s
    for s in (
        Source(
            key="samhsa_directory",
            short="SAMHSA directory 2024 (2023 survey)",
            folder="samhsa_nsumhss_directory_2024",
            title="National Directory of Mental Health Treatment Facilities 2024 "
            "(and Drug and Alcohol Use Treatment Facilities 2024)",
            publisher="SAMHSA, Center for Behavioral Health Statistics and Quality",
            vintage="2024 directory (2023 N-SUMHSS survey)",
            licence="Public domain (U.S. federal government work); cite SAMHSA",
            url="https://www.samhsa.gov/data/data-we-collect/n-sumhss",
            role="Attribute backbone: services, populations, settings, payment, languages",
            files=(
                SourceFile(
                    "samhsa_directory_2024_la_county.csv",
                    _DIRECTORY_COLUMNS,
                    min_rows=300,
                    offered_as="national Excel workbooks (.xlsx), one per directory, with no county column",
                ),
                SourceFile(
                    "service_code_key_2024.csv",
                    ("directory_type", "code", "label"),
                    min_rows=300,
                    offered_as="the code-key sheets of the national Excel workbooks",
                ),
            ),
        ),
        Source(
            key="samhsa_locator",
            short="SAMHSA locator 2020",
            folder="samhsa_mh_locator_2020_oeps",
            title="SAMHSA Behavioral Health Treatment Services Locator, mental health "
            "facilities (scrape of about 2020, via the Opioid Environment Policy Scan)",
            publisher="SAMHSA; compiled by the Healthy Regions & Policies Lab (OEPS)",
            vintage="2020",
            licence="Public domain (U.S. federal government work); cite OEPS",
            url="https://findtreatment.gov",
            role="Coordinates for directory facilities; locations-only facilities",
            files=(
                SourceFile(
                    "samhsa_mh_providers_la_county.csv",
                    _cols(
                        "name1 name2 street1 street2 city state zip county phone website latitude longitude"
                    ),
                    "https://raw.githubusercontent.com/GeoDaCenter/opioid-policy-scan/"
                    "master/data_final/Health%20Resources/MentalHealthProviders_Geocoded.csv",
                    min_rows=150,
                ),
            ),
        ),
        Source(
            key="lms_211",
            short="LA County 211 / LMS (2020 content)",
            folder="lacounty_lms_211_mental_health",
            title="LA County Location Management System points: mental health (211 LA content)",
            publisher="County of Los Angeles ISD Enterprise GIS; content licensed from 211 LA County",
            vintage="content 2020-07-14 (served 2025)",
            licence="LA County open data terms; cite County of Los Angeles LMS / 211 LA County",
            url="https://public.gis.lacounty.gov/public/rest/services/LACounty_Dynamic/"
            "LMS_Data_Public/MapServer",
            role="Additional sites with coordinates (county clinics); services not coded",
            files=(
                SourceFile(
                    "lms_mental_health_points_la_county.csv",
                    _cols(
                        "OBJECTID source ext_id cat1 cat2 name addrln1 addrln2 city state zip phones"
                        " url description latitude longitude allcats"
                    ),
                    min_rows=150,
                    offered_as="an ArcGIS REST map service (Esri JSON query results, layer not documented)",
                ),
            ),
        ),
        Source(
            key="cdph_beds",
            short="CDPH licensed beds 2025-01-16",
            folder="cdph_bed_types_2025",
            title="Healthcare Facility Bed Types and Counts",
            publisher="California Department of Public Health, Licensing & Certification",
            vintage="2025-01-16",
            licence="CHHS Open Data Portal terms; attribute CDPH",
            url="https://data.chhs.ca.gov/",
            role="Inpatient backbone: licensed acute psychiatric beds by facility",
            files=(
                SourceFile(
                    "cdph_healthcare_facility_beds_la_county.csv",
                    _cols("FACID FACNAME FAC_FDR BED_CAPACITY_TYPE BED_CAPACITY COUNTY_NAME DATA_DATE"),
                    "https://data.chhs.ca.gov/datastore/dump/0997fa8e-ef7c-43f2-8b9a-94672935fa60?format=csv",
                    min_rows=1000,
                ),
            ),
        ),
        Source(
            key="hcai",
            short="HCAI facility list 2025-02",
            folder="hcai_facility_list_2025",
            title="HCAI Facility Development facility list (geocoded)",
            publisher="California Department of Health Care Access and Information (HCAI)",
            vintage="2025-02",
            licence="California open data; attribute HCAI",
            url="https://data.chhs.ca.gov/",
            role="Coordinates for hospitals (incl. acute psychiatric hospitals)",
            files=(
                SourceFile(
                    "hcai_facility_list_la_county.csv",
                    _cols(
                        "FacilityNbr FacilityName LicenseType StreetNbr StreetName City State Zip"
                        " County Latitude Longitude"
                    ),
                    min_rows=300,
                    offered_as="an ArcGIS facility layer / Facility Finder (no documented file download)",
                ),
            ),
        ),
        Source(
            key="covidcaremap",
            short="CovidCareMap 2020",
            folder="covidcaremap_hospitals_2020_oeps",
            title="CovidCareMap US hospital capacity (HIFLD + HCRIS + Definitive Healthcare)",
            publisher="CovidCareMap.org; republished by the Opioid Environment Policy Scan",
            vintage="2020",
            licence="Public domain parts (HIFLD, CMS); bed fields attributed to Definitive Healthcare",
            url="https://github.com/covidcaremap/covid19-healthsystemcapacity",
            role="Fallback hospital coordinates; psychiatric health facility beds",
            files=(
                SourceFile(
                    "hospitals_la_county.csv",
                    (
                        "Name",
                        "Hospital.Type",
                        "Address",
                        "City",
                        "State",
                        "Zipcode",
                        "County",
                        "Latitude",
                        "Longitude",
                        "Licensed.All.Beds",
                    ),
                    min_rows=80,
                    offered_as="a national hospital table in the CovidCareMap / OEPS GitHub repositories",
                ),
            ),
        ),
        Source(
            key="dhcs_licensed",
            short="DHCS/CDPH licence lists 2026-09",
            folder="ca_dhcs_phf_mhrc_cdph_psych_2026",
            title="Licensed Mental Health Rehabilitation Centers and Psychiatric Health "
            "Facilities (DHCS) + Licensed Healthcare Facility Listing (CDPH)",
            publisher="California DHCS Licensing and Certification; CDPH Center for Health Care Quality",
            vintage="DHCS 2026-09-11; CDPH 2026-09-01",
            licence="CalHHS Open Data Portal terms",
            url="https://data.chhs.ca.gov/dataset/licensed-mental-health-rehabilitation-"
            "centers-mhrc-and-psychiatric-health-facilities-phf",
            role="Inpatient and locked layer: PHFs, MHRCs, psychiatric hospitals, psychology clinics",
            files=(
                SourceFile(
                    "california_mh_licensed_facilities_la_county.csv",
                    ("id", "name", "category", "address", "city", "county", "zip", "phone", "source"),
                    min_rows=20,
                    offered_as="two statewide listings (DHCS PHF/MHRC and the CDPH facility listing) "
                    "on the CalHHS portal",
                ),
            ),
        ),
        Source(
            key="geo",
            short="LA County ISD population estimates 2018-07-01",
            folder="geo",
            title="LA County SPAs (2012), census tracts (2010) with July 2018 population and "
            "poverty estimates, county outline",
            publisher="LA County eGIS / ISD Demography (Hedderson Demographic Services); LA County DPH",
            vintage="SPA 2012; tracts 2010; population 2018-07-01",
            licence="LA County public data",
            url="https://egis-lacounty.hub.arcgis.com/",
            role="Areas and per-capita denominators",
            files=(
                SourceFile(
                    "la_county_spa_2012.geojson",
                    ("SPA_NUM", "SPA_NAME"),
                    min_rows=8,
                    offered_as="shapefiles and file geodatabases on the LA County eGIS portal",
                ),
                SourceFile(
                    "la_county_tracts2010_pop2018.geojson",
                    ("GEOID", "SPA_2012", "pop_2018", "pop_0_17", "pop_18_64", "pop_65p", "pov133_2018"),
                    min_rows=2000,
                    offered_as="a file geodatabase and DBF tables (ISD Demography), joined and "
                    "dissolved here",
                ),
                SourceFile(
                    "la_county_spa_population.csv",
                    ("spa_num", "spa_name", "indicator", "value", "vintage", "source"),
                    min_rows=50,
                    offered_as="DBF tables and PDF reports, aggregated by SPA here",
                ),
                SourceFile(
                    "la_county_boundary.geojson",
                    ("NAME",),
                    offered_as="split-tract polygons, dissolved into the outline here",
                ),
            ),
        ),
        Source(
            key="districts_2021",
            short="LA County supervisorial districts, 2021 plan",
            folder="lacounty_supervisorial_districts_2021",
            title="LA County Supervisorial Districts (current map, 2021 redistricting), simplified",
            publisher="LA County eGIS, layer 'Supervisorial District (Current)'; simplified copy "
            "from the LA Forward voter-guide repository",
            vintage="2021 redistricting plan (adopted Dec 2021, in force from 2022); downloaded 2026-08-12",
            licence="Not stated (third-party copy without a licence file; LA County eGIS terms not checked)",
            url="https://public.gis.lacounty.gov/arcgis/rest/services/LACounty_Dynamic/"
            "Political_Boundaries/MapServer/27",
            role="Supervisorial districts for district views (the lines the Board works in); "
            "simplified, so lines can be off by tens to a few hundred metres",
            files=(
                SourceFile(
                    "supervisorial_districts_2021.geojson",
                    ("DISTRICT",),
                    min_rows=5,
                    offered_as="an ArcGIS REST layer on the LA County eGIS portal (this copy was "
                    "reprojected and simplified by a third party)",
                ),
            ),
        ),
        Source(
            key="oeps_drive_time",
            short="OEPS drive time to SAMHSA-listed mental-health providers (providers about 2021)",
            folder="oeps_mental_health_drive_time",
            title="Opioid Environment Policy Scan (OEPS): drive time to the nearest mental-health "
            "provider and providers within 30 minutes, by census tract",
            publisher="Healthy Regions & Policies Lab, Center for Spatial Data Science, University of "
            "Chicago (OEPS, for the NIH HEAL Initiative JCOIN MAARC)",
            vintage="providers: SAMHSA treatment locator scraped about January 2021; tracts 2010 "
            "(TIGER/Line 2018); computed April 2022",
            licence="Not stated (no licence file); OEPS asks users to cite Cox et al. (2024), OEPS "
            "Data Warehouse v2.0, Zenodo, doi:10.5281/zenodo.5842465",
            url="https://github.com/GeoDaCenter/opioid-policy-scan",
            role="Travel-time lens beside straight-line distance: residents beyond 10, 20 or 30 "
            "minutes' drive of a SAMHSA-listed mental-health provider",
            method="Drive minutes from each tract's centroid (not population-weighted) to the nearest "
            "centroid of a tract holding a provider (0 when the tract holds one), on an OSRM road "
            "network at free-flow speeds (no traffic; network year not stated); providers within "
            "30 minutes counted the same way",
            geography="2010 census tracts (TIGER/Line 2018), the tracts of the dashboard's 2018 "
            "population estimates",
            limits="Another provider list (every SAMHSA-listed mental-health provider, about 2021) "
            "than the dashboard's sites, so it does not follow the sidebar's filters; Santa "
            "Catalina Island values are implausible upstream and left out; tract 06037137000 "
            "takes the row of its 2010 id 06037930401 (the same area)",
            files=(
                SourceFile(
                    "mentalhealth_drive_tract_la.csv",
                    ("origin", "count within 30", "minutes"),
                    # the national file (tract ids without their leading zero; the reader keeps LA)
                    "https://raw.githubusercontent.com/GeoDaCenter/opioid-policy-scan/master/code/"
                    "Access%20Metrics%20-%20Health%20Resources/Tract/Driving/mentalhealth_drive_tract.csv",
                    min_rows=2000,
                ),
            ),
        ),
        Source(
            key="hpsa_mental_health",
            short="HRSA mental-health shortage areas (HPSA), snapshot 2023-01-17",
            folder="hpsa_mental_health_ca_2023",
            title="Health Professional Shortage Areas (HPSA): Mental Health, California",
            publisher="U.S. Health Resources and Services Administration (HRSA Data Warehouse); "
            "California Health and Human Services Open Data Portal",
            vintage="HRSA data-warehouse snapshot of 2023-01-17 (designations last updated "
            "2021-05 to 2022-11)",
            licence="Not stated for the CHHS dataset (federal HRSA data; copy via the MIT-licensed "
            "rcahelpr package, whose licence covers the package, not the data)",
            url="https://data.chhs.ca.gov/dataset/42406266-89d3-4d04-9c45-587de774a1d5",
            role="Federal mental-health shortage designations in LA County, as a table",
            geography="Medical Service Study Areas (MSSAs) and population groups (low-income); no "
            "polygons and no MSSA-to-tract file are available here, so designations are not "
            "mapped or joined to tracts, SPAs or districts",
            limits="One snapshot (designations change continually); one area can appear twice "
            "under another type or status, so count designated rows",
            files=(
                SourceFile(
                    "hpsa_mentalhealth.csv",
                    _cols(
                        "HPSA_Discipline_Class HPSA_Name HPSA_ID County_Equivalent_Name"
                        " Designation_Type HPSA_Population_Type HPSA_Score HPSA_Provider_Ratio_Goal"
                        " HPSA_FTE HPSA_Designation_Population HPSA_Formal_Ratio HPSA_Shortage"
                        " HPSA_Status HPSA_Designation_Date HPSA_Designation_Last_Update_Dat"
                        " Data_Warehouse_Record_Create_Dat"
                    ),
                    "https://data.chhs.ca.gov/dataset/42406266-89d3-4d04-9c45-587de774a1d5/resource/"
                    "8d10c854-9cf8-459d-8d30-5b1b60eeb845/download/hpsa_mentalhealth.csv",
                    min_rows=100,
                ),
            ),
        ),
        Source(
            key="costs",
            short="cost benchmark file (each row cites its source)",
            folder="costs",
            title="Mental-health cost and availability benchmarks (60 sourced figures)",
            publisher="Compiled from CMS, HCUP, HCAI, TAC, LA County and others (per row)",
            vintage="2016-2026 (per row)",
            licence="Facts from public sources; each row cites its publisher",
            url="https://www.cms.gov/medicare/payment/fee-schedules/physician",
            role="Unit prices, bed benchmarks and default assumptions",
            files=(
                SourceFile(
                    "benchmarks.csv",
                    _cols(
                        "id measure value unit year geography care_setting source_publisher"
                        " source_title source_url note"
                    ),
                    min_rows=40,
                    offered_as="figures in many separate publications (compiled and graded by hand)",
                ),
            ),
        ),
    )
}


# The sources every facility count draws on.
FACILITY_SOURCES = ("samhsa_directory", "samhsa_locator", "lms_211", "dhcs_licensed")


def cite(*keys: str) -> str:
    """Short citations with vintages, e.g. for a caption or a CSV header."""
    return "; ".join(SOURCES[k].short for k in keys)


def source_path(raw_dir, key: str, name: str | None = None):
    """Path of a source file under ``raw_dir`` (the first file when ``name`` is None)."""
    src = SOURCES[key]
    fname = name or src.files[0].name
    src.file(fname)  # KeyError for an unknown file: a programming error, not bad data
    return raw_dir / src.folder / fname
