"""The view state in the session and in the address bar.

State lives in ``st.session_state`` under the widget keys below; the URL is derived from it
after every run (``sync_url``) and seeds it when the address bar holds another view than
the one on screen (a link just opened, Back or Forward, a page link: ``sync_from_url``).
``dashboard.analysis.link`` owns the URL scheme; this module only moves values between the
session, the widgets and the address bar.
"""

from __future__ import annotations

import urllib.parse

import streamlit as st

from dashboard import taxonomy
from dashboard.analysis import filters, link
from dashboard.analysis.filters import FilterState
from dashboard.render.text import escape_markdown


def group_key(group_id: str) -> str:
    """The widget key of a taxonomy group: its selected value ids, in a list."""
    return f"f_{group_id}"


def fold_key(group_id: str) -> str:
    """The key of a taxonomy group's section in the sidebar: True while it is open."""
    return f"x_{group_id}"


K_SPA, K_SD, K_QUERY, K_UNKNOWN, K_MILES = "f_spa", "f_sd", "f_query", "f_unknown", "f_miles"
K_DSH, K_MEASURE, K_LEVEL, K_MEMO = "f_dsh", "v_measure", "v_level", "v_memo"
K_GMAP, K_MINUTES = "v_gmap", "v_minutes"
K_VIEW = "v_map_view"  # (lat, lon, zoom) after the user moved the map; not a widget
K_URL = "_url"  # the query parameters of the view on screen (last seeded from or written)
K_NOTICES = "_notices"
K_PAGE_PARAMS, K_PAGE_SEEDED = "_page_params", "_page_seeded"


def _query() -> dict[str, str]:
    """The address bar's query parameters (a repeated key joins with commas)."""
    return {k: link.text_of(st.query_params.get_all(k)) for k in st.query_params}


def seed(state: FilterState) -> None:
    """Every widget of the shared view takes ``state``'s value."""
    ss = st.session_state
    for g in taxonomy.GROUPS:
        ss[group_key(g.id)] = list(state.selected(g.id))
        # A session opens with the groups that have values chosen unfolded; after that the
        # user folds them (a section the server folds or unfolds stays as the browser shows it).
        ss.setdefault(fold_key(g.id), bool(state.selected(g.id)))
    ss[K_SPA], ss[K_SD], ss[K_QUERY] = list(state.spa), list(state.sd), state.query
    ss[K_UNKNOWN], ss[K_DSH], ss[K_MEMO] = state.include_unknown, state.state_hospital, state.memo
    ss[K_MILES], ss[K_MEASURE], ss[K_LEVEL] = state.miles, state.measure, state.level
    ss[K_GMAP], ss[K_MINUTES] = state.gmap, state.minutes
    ss[K_VIEW] = (state.lat, state.lon, state.zoom) if state.zoom is not None else None


def sync_from_url(page_path: str) -> None:
    """At the start of every run: when the address bar holds another view than the one this
    session last showed (a link just opened, Back or Forward, a page link), the widgets take
    the URL's values.  After a widget change the URL still holds the view it was made from,
    so nothing is reseeded then; ``sync_url`` writes the new view at the end of the run."""
    now = _query()
    ss = st.session_state
    if ss.get(K_URL) == now:
        return
    state, notices = link.decode(now)
    seed(state)
    page_params = {k: v for k, v in now.items() if k in link.COST_KEYS}
    ss.setdefault(K_PAGE_PARAMS, {})[page_path] = page_params
    ss[K_PAGE_SEEDED] = False  # the page seeds its own inputs from page_link_params()
    ss[K_URL] = now
    if notices:
        ss[K_NOTICES] = notices


def page_link_params(page_path: str) -> dict[str, str]:
    """The current URL's parameters that belong to this page alone (the cost inputs)."""
    return dict(st.session_state.get(K_PAGE_PARAMS, {}).get(page_path, {}))


def page_needs_seeding() -> bool:
    """True once after the URL changed: the page sets its own inputs from the link."""
    if st.session_state.get(K_PAGE_SEEDED):
        return False
    st.session_state[K_PAGE_SEEDED] = True
    return True


def reset_page_params() -> None:
    """Every page's own inputs back to their defaults: no page parameters, and the page
    seeds its inputs again (from none)."""
    st.session_state[K_PAGE_PARAMS] = {}
    st.session_state[K_PAGE_SEEDED] = False


def set_page_params(page_path: str, params: dict[str, str]) -> None:
    """A page's own view state beyond the shared filters (the cost page's assumptions): in
    this page's link, and in the navigation link back to it."""
    st.session_state.setdefault(K_PAGE_PARAMS, {})[page_path] = dict(params)


def current_state() -> FilterState:
    """The view the widgets hold now.  Read it before the sidebar draws its widgets: a value
    sent by the browser is read with the labels it was shown with (counts change labels)."""
    ss = st.session_state
    view = ss.get(K_VIEW)
    return FilterState(
        **{g.id: _chosen(g, ss.get(group_key(g.id))) for g in taxonomy.GROUPS},
        spa=tuple(sorted(int(x) for x in ss.get(K_SPA) or ())),
        sd=tuple(sorted(int(x) for x in ss.get(K_SD) or ())),
        query=" ".join(str(ss.get(K_QUERY) or "").split())[: filters.MAX_QUERY_LENGTH],
        include_unknown=bool(ss.get(K_UNKNOWN, False)),
        state_hospital=bool(ss.get(K_DSH, False)),
        memo=bool(ss.get(K_MEMO, False)),
        measure=ss.get(K_MEASURE, filters.DEFAULT.measure),
        level=ss.get(K_LEVEL, filters.DEFAULT.level),
        gmap=ss.get(K_GMAP, filters.DEFAULT.gmap),
        miles=int(ss.get(K_MILES, filters.DEFAULT_MILES)),
        minutes=int(ss.get(K_MINUTES, filters.DEFAULT_MINUTES)),
        lat=view[0] if view else None,
        lon=view[1] if view else None,
        zoom=view[2] if view else None,
    )


def _chosen(g: taxonomy.Group, selected) -> tuple[str, ...]:
    """A group's selection in taxonomy order (a widget value is a list of value ids)."""
    chosen = set(selected or ())
    return tuple(v for v in g.ids if v in chosen)


def url_params(page_path: str, state: FilterState | None = None) -> dict[str, str]:
    return link.encode(state or current_state(), page_link_params(page_path))


def sync_url(page_path: str) -> None:
    """At the end of every run: the address bar shows the view on screen (written only when
    it changed, so a rerun adds no history entry; each real change adds one, which Back
    undoes through ``sync_from_url``)."""
    params = url_params(page_path)
    if params != _query():
        st.query_params.from_dict(params)
    st.session_state[K_URL] = params


def share_link(page_path: str) -> str:
    base = st.context.url or ""
    query = urllib.parse.urlencode(url_params(page_path))
    return f"{base}?{query}" if query else base


def show_notices() -> None:
    """Notices about the link just opened.  Always one container, empty or not: an element
    that comes and goes above a page shifts the page's elements, and a shifted map is
    re-mounted (a new iframe, Leaflet and every layer drawn again)."""
    notices = st.session_state.pop(K_NOTICES, None)
    with st.container():
        if notices:
            notice_box("Some settings in the link could not be used and were reset to defaults:", notices)


MAX_NOTICES = 8  # lines in a notice box; the rest are counted, never silently dropped


def notice_box(headline: str, notices: list[str]) -> None:
    """Notices about a link: their text comes from the link, so it is shown literally."""
    shown = [f"- {escape_markdown(n)}" for n in notices[:MAX_NOTICES]]
    if len(notices) > MAX_NOTICES:
        shown.append(f"- … and {len(notices) - MAX_NOTICES} more settings that could not be used.")
    st.info(headline + "\n\n" + "\n".join(shown), icon=":material/link_off:")
