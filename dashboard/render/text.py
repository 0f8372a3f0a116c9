"""Numbers and outside text as the pages show them (pure functions, no Streamlit).

One format per kind of figure, shared by screen, memo and captions: counts with thousands
separators, rates to one decimal, dollars, per cent; a dash for a figure that does not
exist.  ``escape_markdown`` shows a source's or a link's text literally in Markdown.
"""

from __future__ import annotations

import json
import re

import numpy as np

from dashboard import registry


def fmt_int(n) -> str:
    return "–" if n is None or (isinstance(n, float) and not np.isfinite(n)) else f"{int(n):,}"


def fmt_rate(x, digits: int = 1) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:,.{digits}f}"


def fmt_usd(x, digits: int = 0) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    return f"{'−' if x < 0 else ''}${abs(x):,.{digits}f}"


def fmt_pct(x) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.1%}"


def beds_note(
    beds: int,
    state_beds: int,
    counted: bool,
    county_beds: int | None = None,
    county_rate: float | None = None,
) -> str:
    """What a bed figure holds: licensed acute psychiatric beds, how many of them are in
    county-run hospitals (and their rate per 100k residents), and whether the state forensic
    hospital's ``state_beds`` are ``counted`` in it."""
    text_ = f"{beds:,} licensed acute psychiatric beds ({registry.cite('cdph_beds')})"
    if county_beds is not None:
        rate = f" ({fmt_rate(county_rate)} per 100k)" if county_rate is not None else ""
        text_ += f", {county_beds:,} of them in county-run hospitals{rate}"
    if not state_beds:
        return text_
    if counted:
        return text_ + f", including the state forensic hospital's {state_beds:,} (switch in the sidebar)"
    return text_ + f"; the state forensic hospital's {state_beds:,} are left out (switch in the sidebar)"


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Where the renderer would turn bare text into a link even when it is escaped: "www.",
# "scheme://", "mailto:" / "xmpp:" and an e-mail address's "@".  A zero-width space there
# (and only there) stops it; ordinary text ("Population served: children") stays plain
# for copying.
_AUTOLINK = re.compile(
    r"(?i)(?<=www)(?=\\\.)|(?<=\\:)(?=\\/\\/)|(?<=mailto\\:)|(?<=xmpp\\:)|(?<=\w\\@)(?=\w)"
)


def escape_markdown(s) -> str:
    """Outside text (a source's field, a link's parameter) for st.markdown / st.info /
    st.caption, shown exactly as written: every ASCII punctuation character is
    backslash-escaped (no emphasis, link, image, heading or HTML can form), and a zero-width
    space goes where a bare URL or e-mail address would otherwise become a link."""
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(str(s).split()))
    return _AUTOLINK.sub("\u200b", escaped)


_TEMPLATE_OPENER = re.compile(r"\{(?=[{%#])")


def safe_json(obj) -> str:
    """JSON that is safe inside an HTML <script> element and inside the Jinja templates
    folium and streamlit-folium render (and render again): ``<``, ``>``, ``&``, quotes and
    line separators are \\u-escaped, and so is any ``{`` that would open a Jinja tag
    (``{{``, ``{%``, ``{#``) — compact JSON never has one outside a string, so a source's
    text can neither close the script nor be evaluated as a template on the server."""
    text = (
        json.dumps(obj, separators=(",", ":"), allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return _TEMPLATE_OPENER.sub(r"\\u007b", text)
