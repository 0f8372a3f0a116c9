"""Capacity within reach: the two-step floating catchment area (2SFCA; Luo & Wang 2003) and
its enhanced form with distance-decay weights (E2SFCA; Luo & Qi 2009).

Sites per 100k residents inside an area's lines ignores residents who cross a line for care
and sites shared by many tracts.  2SFCA asks instead, for each tract, how much supply lies
within reach, each site's supply shared among all the residents who can reach it:

* step 1, per site j:  R_j = S_j / sum over tracts i within the catchment of P_i * W(d_ij)
* step 2, per tract i: A_i = sum over sites j within the catchment of R_j * W(d_ij)

S is the supply (1 per matching site, or its licensed beds), P the filter's population, d
the straight-line miles between a tract's representative point and a site (the same
measure as the Gaps page's distances), W the weight: 1 within the catchment for 2SFCA, a
step that falls with distance for E2SFCA.  A tract with no site within reach gets 0 (pysal
``access`` returns NaN there); a site no resident can reach counts for no one.  The same
formulas as pysal ``access`` (``two_stage_fca``, one weight function in both steps), which a
test checks on the same inputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.analysis.metrics import group_sums, miles_xy

# E2SFCA's weights by distance as a share of the catchment: Luo & Qi (2009) used 0-10, 10-20
# and 20-30 minute zones weighted 1, 0.68 and 0.22 (a Gaussian decay); here the zones are
# thirds of the chosen catchment in miles.
E2SFCA_STEPS = ((1 / 3, 1.0), (2 / 3, 0.68), (1.0, 0.22))


def miles_matrix(t_lat, t_lon, s_lat, s_lon) -> np.ndarray:
    """Straight-line miles from every tract (rows) to every site (columns), float32: a
    tract x site table of the county is ~2,345 x 500, 4.7 MB, made once per snapshot."""
    tx, ty = miles_xy(t_lon, t_lat)
    sx, sy = miles_xy(s_lon, s_lat)
    return np.hypot(ty[:, None] - sy[None, :], tx[:, None] - sx[None, :]).astype(np.float32)


def weights(miles: np.ndarray, catchment: float, steps=None) -> np.ndarray:
    """W(d): 1 within ``catchment`` miles and 0 beyond (2SFCA), or with ``steps`` ((share of
    the catchment, weight), ...) the weight of the first zone that holds d (E2SFCA)."""
    if steps is None:
        return (miles <= catchment).astype(np.float32)
    out = np.zeros(miles.shape, np.float32)
    for share, w in reversed(steps):
        out[miles <= share * catchment] = w
    return out


def two_step_fca(w: np.ndarray, supply: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Supply within reach per resident of each tract, from the weights ``w`` (tracts x
    sites, 0 outside the catchment), each site's ``supply`` and each tract's ``demand``.
    Sites with no reachable demand (or a NaN position: no weight anywhere) count for none."""
    w = np.nan_to_num(np.asarray(w, np.float64))
    demand = np.nan_to_num(np.asarray(demand, np.float64))
    reach = demand @ w  # step 1's denominator, per site
    ratio = np.divide(np.asarray(supply, np.float64), reach, out=np.zeros(len(reach)), where=reach > 0)
    return w @ ratio


PER = 100_000


def tract_reach(
    tracts: pd.DataFrame,
    fac: pd.DataFrame,
    site_mask: np.ndarray,
    residents: np.ndarray,
    catchment: float,
    miles_all: np.ndarray | None = None,
    supply: np.ndarray | None = None,
) -> pd.DataFrame:
    """Per tract: matching sites per 100k residents within ``catchment`` miles by 2SFCA and
    by E2SFCA (supply 1 per located matching site, or ``supply`` per row of ``fac``: its
    licensed beds; demand ``residents``), beside the tract's area ids and residents.
    ``miles_all``: ``miles_matrix`` of every tract to every site in ``fac``, made once (else
    made here for the matching sites).  Unplaced sites count for no one."""
    ok = np.asarray(site_mask, bool) & fac["lat"].notna().to_numpy() & fac["lon"].notna().to_numpy()
    if miles_all is None:
        miles = miles_matrix(
            tracts["lat"], tracts["lon"], fac["lat"].to_numpy()[ok], fac["lon"].to_numpy()[ok]
        )
    else:
        miles = miles_all[:, ok]
    supply = np.ones(int(ok.sum())) if supply is None else np.asarray(supply, float)[ok]
    out = tracts[["geoid", "spa", "sd"]].copy()
    out["residents"] = np.asarray(residents, float)
    out["reach"] = PER * two_step_fca(weights(miles, catchment), supply, residents)
    out["reach_decay"] = PER * two_step_fca(weights(miles, catchment, E2SFCA_STEPS), supply, residents)
    return out


def area_reach(reach: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Per area (county-wide when ``by`` is None): the residents' mean capacity within reach,
    each tract weighted by its residents (county-wide, 2SFCA's mean is every reachable site
    per 100k residents: it shares out supply, it does not create any)."""
    w = reach["residents"].to_numpy(float)
    r, d = reach["reach"].to_numpy(float), reach["reach_decay"].to_numpy(float)
    s = group_sums(
        reach[by].to_numpy() if by else None,
        {"residents": w, "w_reach": r * w, "w_decay": d * w, "none": (r == 0) * w},
    )
    safe = s["residents"].where(s["residents"] > 0)
    return pd.DataFrame(
        {
            "residents": s["residents"],
            "reach": s["w_reach"] / safe,
            "reach_decay": s["w_decay"] / safe,
            "residents_without": s["none"],
        }
    )


def table_rows(
    reach: pd.DataFrame, spas: np.ndarray, selection: np.ndarray, with_selection: bool
) -> pd.DataFrame:
    """``area_reach`` for the rows of a by-SPA table, in its order (``metrics.continuum_table``'s):
    one row per SPA id in ``spas`` > 0, the part of the SPA inside ``selection`` (a tract
    mask); then the selection as a whole when the table has that row (``with_selection``: an
    area filter is set); then the county."""
    spas = np.asarray(spas)
    inside = reach.loc[np.asarray(selection, bool)]
    parts = [area_reach(inside, by="spa").reindex(spas[spas > 0])]
    if with_selection:
        parts.append(area_reach(inside))
    parts.append(area_reach(reach))
    return pd.concat(parts, ignore_index=True)
