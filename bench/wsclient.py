"""A Streamlit session without a browser: the app's own websocket protocol.

Speaks what the browser speaks on ``/_stcore/stream`` (protobufs shipped with streamlit:
``BackMsg`` up, ``ForwardMsg`` down), so many sessions can load one server without running
a Chromium per session.  Like the browser it

* opens with a ``rerun_script`` carrying the URL's query string, then sends the page hash
  and the query string the server last set with every rerun;
* keeps the value of every widget of the last run — taken from the element the first time
  it is seen or when the server sets it (``set_value``), otherwise what this client chose —
  and sends all of them with every rerun (multiselect and pills values are the option
  labels shown, including their counts, exactly as the browser sends them);
* reports the map component's view ({"zoom", "center"}) once the map has been drawn
  (``echo``), which in the browser costs one extra script run after the first load;
* announces the hashes of the large elements it has received, so the server sends
  references instead of repeating them — and, like the browser's cache, forgets an element
  not used in the last 2 script runs (``global.maxCachedMessageAge``).

``websockets`` (already installed: uvicorn, Streamlit's server, depends on it) is the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench import scenario

WIDGET_TYPES = {
    "multiselect",
    "button_group",
    "checkbox",
    "text_input",
    "slider",
    "radio",
    "selectbox",
    "number_input",
    "component_instance",
}
OK_STATUS = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
MAP_VIEW = {"zoom": 9, "center": {"lat": 34.26, "lng": -118.3}}
MAX_CACHED_MESSAGE_AGE = 2  # Streamlit's default; sent to the browser in new_session


@dataclass
class RunResult:
    seconds: float
    bytes: int = 0
    map_bytes: int = 0
    refs: int = 0
    status: str = ""
    exceptions: list = field(default_factory=list)
    headline: int | None = None

    @property
    def ok(self) -> bool:
        return (
            self.status in ("FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY")
            and not self.exceptions
        )


def _state_from_proto(kind: str, el) -> WidgetState | None:
    w = WidgetState(id=el.id)
    if kind == "multiselect":
        vals = list(el.raw_values) if el.set_value else [el.options[i] for i in el.default]
        w.string_array_value.data.extend(vals)
    elif kind == "button_group":
        vals = list(el.raw_values) if el.set_value else [el.options[i].content for i in el.default]
        w.string_array_value.data.extend(vals)
    elif kind == "checkbox":
        w.bool_value = el.value if el.set_value else el.default
    elif kind == "text_input":
        w.string_value = el.value if el.set_value else el.default
    elif kind == "slider":
        if el.options:  # select_slider: formatted option strings
            vals = list(el.raw_value) if el.set_value else [el.options[int(i)] for i in el.default]
            w.string_array_value.data.extend(vals)
        else:
            w.double_array_value.data.extend(list(el.value) if el.set_value else list(el.default))
    elif kind in ("radio", "selectbox"):
        if el.set_value and el.HasField("raw_value"):
            w.string_value = el.raw_value
        elif el.HasField("default") and len(el.options) > el.default:
            w.string_value = el.options[el.default]
        else:
            return None
    elif kind == "number_input":
        w.double_value = el.value if el.set_value else el.default
    else:
        return None
    return w


class Session:
    """One app session over one websocket."""

    def __init__(self, base_url: str, query: str = "", timeout: float = 120.0):
        self.base_url = base_url
        self.ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.query = query
        self.timeout = timeout
        self.page_hash = ""
        self.widgets: dict[str, WidgetState] = {}
        self.elements: dict[str, tuple[str, object]] = {}
        self.cached: dict[str, int] = {}  # hash -> script run that last used it
        self.runs = 0
        self.map_id: str | None = None
        self.ws = None

    async def __aenter__(self) -> Session:
        self.ws = await websockets.connect(
            self.ws_url,
            subprotocols=["streamlit"],
            origin=self.base_url,
            max_size=None,
            open_timeout=60,
            ping_interval=None,
        )
        return self

    async def __aexit__(self, *exc) -> None:
        if self.ws is not None:
            await self.ws.close()

    # -------------------------------------------------------------- protocol

    def _back(self, send_widgets: bool) -> bytes:
        m = BackMsg()
        cs = m.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        if send_widgets:
            for w in self.widgets.values():
                cs.widget_states.widgets.add().CopyFrom(w)
        cs.cached_message_hashes.extend(sorted(self.cached))
        return m.SerializeToString()

    async def rerun(self, send_widgets: bool = True) -> RunResult:
        t = time.perf_counter()
        await self.ws.send(self._back(send_widgets))
        res = RunResult(seconds=0.0)
        seen: dict[str, WidgetState] = {}
        elements: dict[str, tuple[str, object]] = {}
        while True:
            data = await asyncio.wait_for(self.ws.recv(), timeout=self.timeout)
            res.bytes += len(data)
            m = ForwardMsg()
            m.ParseFromString(data)
            kind = m.WhichOneof("type")
            if m.metadata.cacheable and m.hash:
                self.cached[m.hash] = self.runs
            if kind == "ref_hash":
                res.refs += 1
                self.cached[m.ref_hash] = self.runs
            elif kind == "delta" and m.delta.WhichOneof("type") == "add_block":
                box = m.delta.add_block
                if box.WhichOneof("type") == "expandable" and box.expandable.id:  # a stateful section
                    wid = box.expandable.id
                    elements[wid] = ("expander", box.expandable)
                    old = self.widgets.get(wid)
                    fresh = WidgetState(id=wid, bool_value=box.expandable.expanded)
                    seen[wid] = old if old is not None else fresh
            elif kind == "delta" and m.delta.WhichOneof("type") == "new_element":
                et = m.delta.new_element.WhichOneof("type")
                el = getattr(m.delta.new_element, et)
                if et == "exception":
                    res.exceptions.append(el.message[:300])
                elif et == "metric" and el.label.startswith("Matching sites"):
                    with contextlib.suppress(ValueError):
                        res.headline = int(el.body.replace(",", ""))
                elif et in WIDGET_TYPES and getattr(el, "id", ""):
                    elements[el.id] = (et, el)
                    if et == "component_instance":
                        if "folium" in el.component_name:
                            self.map_id = el.id
                            res.map_bytes += len(data)
                        continue
                    old = self.widgets.get(el.id)
                    fresh = _state_from_proto(et, el)
                    if fresh is not None:
                        seen[el.id] = fresh if (old is None or getattr(el, "set_value", False)) else old
            elif kind == "navigation":
                self.page_hash = m.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query = m.page_info_changed.query_string
            elif kind == "script_finished":
                res.status = ForwardMsg.ScriptFinishedStatus.Name(m.script_finished)
                if m.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                self.runs += 1
                self.cached = {
                    h: r for h, r in self.cached.items() if self.runs - r <= MAX_CACHED_MESSAGE_AGE
                }
                break
        res.seconds = time.perf_counter() - t
        if self.map_id and self.map_id in self.widgets:
            seen[self.map_id] = self.widgets[self.map_id]
        self.widgets = seen
        self.elements = elements
        return res

    async def open(self, echo: bool = True) -> list[RunResult]:
        """The first run of a new session, plus the map's report of its view (browser-like)."""
        runs = [await self.rerun(send_widgets=False)]
        if echo and self.map_id:
            w = WidgetState(id=self.map_id)
            w.json_value = json.dumps(MAP_VIEW)
            self.widgets[self.map_id] = w
            runs.append(await self.rerun())
        return runs

    # -------------------------------------------------------------- widgets

    def _find(self, key: str) -> tuple[str, object]:
        for wid, (_kind, el) in self.elements.items():
            if wid.rsplit("-", 1)[-1] == key:
                return wid, el
        raise KeyError(f"no widget with key {key!r} in the last run")

    def apply(self, ch: scenario.Change) -> None:
        """Set a widget the way a click in the sidebar would."""
        wid, el = self._find(ch.widget_key)
        w = WidgetState(id=wid)
        if ch.checkbox:
            w.bool_value = ch.on
        else:
            cur = list(self.widgets[wid].string_array_value.data)
            label = ch.label()

            def is_it(text: str) -> bool:  # "SPA 4 · Metro", "Children and adolescents (64)"
                return text == label or text.startswith((label + " · ", label + " ("))

            options = [getattr(o, "content", o) for o in el.options]  # pills: ButtonGroup.Option
            if ch.op == "add":
                option = next(o for o in options if is_it(o))
                cur = [*cur, option] if not any(is_it(c) for c in cur) else cur
            else:
                cur = [c for c in cur if not is_it(c)]
            w.string_array_value.data.extend(cur)
        self.widgets[wid] = w

    async def prepare(self, ch: scenario.Change) -> None:
        """Open the folded sidebar group of ``ch``'s widget, if it is folded (its own run),
        as a user opens it before choosing a value."""
        if ch.pill and not any(w.rsplit("-", 1)[-1] == ch.widget_key for w in self.elements):
            wid, _el = self._find(f"x_{ch.field}")
            self.widgets[wid] = WidgetState(id=wid, bool_value=True)
            await self.rerun()

    async def change(self, ch: scenario.Change) -> RunResult:
        """One change (the group opened first when folded: not part of the result)."""
        await self.prepare(ch)
        self.apply(ch)
        return await self.rerun()
