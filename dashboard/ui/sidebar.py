"""The shared sidebar every page shows: page links that carry the view, the filters (defined
once, from the code taxonomy), and the share box with the link and the memo switch."""

from __future__ import annotations

import html

import streamlit as st

from dashboard import registry, taxonomy
from dashboard.analysis import filters, link
from dashboard.analysis.filters import FilterState
from dashboard.render.text import escape_markdown
from dashboard.ui import urlstate as u
from dashboard.ui.context import Data

K_LAST_PAGE = "_last_page"


def _reset() -> None:
    """Back to the default view: every filter and view setting, and the pages' own inputs
    (the cost page's assumptions go back to their sourced defaults)."""
    u.seed(filters.DEFAULT)
    u.reset_page_params()


def _area_changed() -> None:
    """A new area selection: the map frames it (a position the user panned to is dropped)
    and shows areas of the level selected (a district selected: districts, not SPAs)."""
    ss = st.session_state
    ss[u.K_VIEW] = None
    spa, sd = ss.get(u.K_SPA), ss.get(u.K_SD)
    if bool(spa) != bool(sd):
        ss[u.K_LEVEL] = "sd" if sd else "spa"


_CLOSE_SIDEBAR_ON_PHONE = """<script>
(function () {
  if (!window.matchMedia("(max-width: 640px)").matches) { return; }
  var bar = document.querySelector('[data-testid="stSidebar"]');
  var close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (bar && close && bar.getBoundingClientRect().right > 0) { close.click(); }
})();
</script>"""


def close_sidebar_after_navigation(page_path: str) -> None:
    """On a phone the sidebar covers the page: after a page link was used, close it (as
    Streamlit's own navigation does).  The script is the app's own, no outside text."""
    last = st.session_state.get(K_LAST_PAGE)
    st.session_state[K_LAST_PAGE] = page_path
    with st.container():  # one element either way (see show_notices)
        if last is not None and last != page_path:
            st.html(_CLOSE_SIDEBAR_ON_PHONE, unsafe_allow_javascript=True, width="content")


def navigation(pages: list) -> None:
    """The page links, each carrying the current view, so moving between pages keeps the
    filters in the address bar (one history entry per move, which Back undoes)."""
    state = u.current_state()
    with st.sidebar:
        for p in pages:
            st.page_link(p, query_params=link.encode(state, u.page_link_params(p.url_path)))


def sidebar(data: Data) -> FilterState:
    """The shared filters, defined once for every page.  Returns the resulting state.

    Each taxonomy group is one set of pills whose labels carry the number of sites shown
    after choosing that value (``filters.option_counts``, cached per view); a value id is
    what the widget holds, so a changed count never changes a selection."""
    state = u.current_state()
    with st.sidebar:
        st.markdown("### Filters")
        st.caption(
            f"Showing: {escape_markdown(state.describe())}. "
            f"Codes from the {registry.cite('samhsa_directory')}; "
            "the number beside each value is the sites shown after choosing it."
        )
        _attribute_groups(data.views.option_counts(state))
        _area_pills(data.snap.area_names("spa").to_dict())
        _other_settings(data)
        st.button("Reset filters and view", on_click=_reset, type="secondary")
    return u.current_state()


def _attribute_groups(counts: dict[str, dict[str, int]]) -> None:
    """One folding section of pills per taxonomy group."""
    for g in taxonomy.GROUPS:  # a fixed label: a changed one would fold the section again
        box = st.expander(g.label, key=u.fold_key(g.id), on_change="rerun")
        if box.open:  # a folded group's pills are not drawn (nor recounted) on every change
            with box:
                st.pills(
                    _group_rule(g),
                    options=g.ids,
                    selection_mode="multi",
                    key=u.group_key(g.id),
                    format_func=_labeller(g, counts[g.id]),
                    help=_group_help(g),
                    persist_state="session",
                )


def _area_pills(spa_names: dict[int, str]) -> None:
    """The SPA and district selections (a new selection frames the map on it)."""
    st.pills(
        "Service Planning Area",
        options=filters.SPAS,
        selection_mode="multi",
        key=u.K_SPA,
        format_func=lambda a: f"SPA {a} · {spa_names.get(a, '')}",
        on_change=_area_changed,
        help="LA County SPA boundaries of 2012. Shows sites in any selected SPA; none selected: "
        "the whole county.",
    )
    st.pills(
        "Supervisorial district",
        options=filters.DISTRICTS,
        selection_mode="multi",
        key=u.K_SD,
        format_func=lambda d: f"District {d}",
        on_change=_area_changed,
        help=filters.DISTRICT_HELP + " None selected: the whole county.",
    )


def _other_settings(data: Data) -> None:
    """Name search, unknown attributes, the state hospital's beds, the distance threshold."""
    st.text_input(
        "Name contains", key=u.K_QUERY, max_chars=filters.MAX_QUERY_LENGTH, placeholder="e.g. Didi Hirsch"
    )
    st.checkbox(
        "Include sites whose attributes are unknown",
        key=u.K_UNKNOWN,
        help="Sites known only from a locations list ("
        f"{registry.cite('samhsa_locator', 'lms_211')}) have no coded services, "
        "populations or payment. With this on, they are shown when an attribute filter is "
        "set, and counted apart.",
    )
    st.checkbox(
        f"Count the state forensic hospital's beds ({data.state_hospital_beds:,})",
        key=u.K_DSH,
        help="DSH-Metropolitan (Norwalk, SPA 7) is a state hospital for patients committed "
        "by courts from across California, not capacity for LA residents. Off: bed counts "
        "and rates everywhere leave it out. On: they include it.",
    )
    st.segmented_control(
        "Distance threshold (miles)",
        options=filters.MILES_CHOICES,
        selection_mode="single",
        required=True,
        key=u.K_MILES,
        help="For 'residents farther than N miles from a matching site' (straight-line distance).",
    )


def _labeller(g: taxonomy.Group, counts: dict[str, int]):
    labels = {v.id: f"{v.label} ({counts[v.id]:,})" for v in g.values}
    return labels.__getitem__


def _group_rule(g: taxonomy.Group) -> str:
    rule = (
        "A site matches when it offers **all** the chosen values."
        if g.mode == taxonomy.ALL
        else "A site matches when it offers **any** of the chosen values."
    )
    return rule + (f" {g.note}" if g.note else "")


def _codes(v: taxonomy.Value) -> str:
    codes = (
        ", ".join(v.codes) if len(v.codes) <= 6 else f"{', '.join(v.codes[:6])} and {len(v.codes) - 6} more"
    )
    where = f"SAMHSA code(s) {codes}" + (f"; licence: {', '.join(v.licences)}" if v.licences else "")
    return where + (f". {v.note}." if v.note else "")


def _group_help(g: taxonomy.Group) -> str:
    """Each value's source codes (any one of them counts), for the group's tooltip."""
    return "Source codes behind each value:\n\n" + "\n".join(f"- {v.label}: {_codes(v)}" for v in g.values)


# The copy button's script is the app's own; the link is escaped into an attribute.  (A code
# block would do the same with a copy icon, but it loads a 1.5 MB syntax highlighter that
# delayed every page's first map by ~0.5 s.)
_COPY_SCRIPT = """<script>
(function () {
  document.querySelectorAll('.lamh-share').forEach(function (box) {
    if (box.dataset.ready) { return; }
    box.dataset.ready = '1';
    var field = box.querySelector('input'), button = box.querySelector('button');
    field.addEventListener('focus', function () { field.select(); });
    button.addEventListener('click', function () {
      field.select();
      var done = function () {
        button.textContent = 'Copied';
        setTimeout(function () { button.textContent = 'Copy link'; }, 1500);
      };
      var fallback = function () { document.execCommand('copy'); done(); };
      if (navigator.clipboard) { navigator.clipboard.writeText(field.value).then(done, fallback); }
      else { fallback(); }
    });
  });
})();
</script>"""


def share_html(url: str) -> str:
    """The link in a read-only field (select it to copy) with a copy button."""
    return (
        '<div class="lamh-share"><input class="lamh-share-link" type="text" readonly '
        f'aria-label="Link to this view" value="{html.escape(url, quote=True)}">'
        '<button type="button" class="lamh-share-copy">Copy link</button></div>' + _COPY_SCRIPT
    )


def share_box(page_path: str, data: Data) -> None:
    with st.sidebar:
        st.markdown("### Share this view")
        st.caption("Copy the link: it reopens this page with these filters and settings.")
        st.html(share_html(u.share_link(page_path)), unsafe_allow_javascript=True)
        st.toggle(
            "Memo layout (for printing)",
            key=u.K_MEMO,
            help="The page as a memo: headline figures with their denominators, a map or chart "
            "you can save as an image, the tables in full, sources with vintages, this link "
            "and today's date. Print it from the browser (Ctrl/Cmd + P).",
        )
        st.caption(f"Tables built {data.snap.built_on} from the public sources listed under Data & methods.")
