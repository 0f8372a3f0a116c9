"""The code's layers: data flows one way, and only the UI layer touches Streamlit.

base      dashboard/{config,errors,registry,taxonomy,vocab,snapshot}.py   facts, words, paths, the snapshot
ingest    dashboard/ingest/     raw sources -> snapshot (never imported by the app)
analysis  dashboard/analysis/   filters, metrics, costs: pure functions on the tables
render    dashboard/render/     maps, charts, display tables (no Streamlit)
ui        dashboard/ui/         the one core package that imports Streamlit
app       dashboard/app.py, pages/*.py
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard import config

ROOT = config.PROJECT_ROOT
ALLOWED = {
    "base": {"base"},
    "ingest": {"base", "ingest"},
    "analysis": {"base", "analysis"},
    "render": {"base", "analysis", "render"},
    "ui": {"base", "analysis", "render", "ui"},
    "app": {"base", "analysis", "render", "ui"},
}
STREAMLIT = {"streamlit", "streamlit_folium"}
PACKAGES = {"ingest", "analysis", "render", "ui"}


def layer_of(path: Path) -> str:
    rel = path.relative_to(ROOT).parts
    if rel[0] == "pages" or rel[-1] == "app.py":
        return "app"
    if rel[1] in PACKAGES:
        return rel[1]
    return "base"


def target_layer(dotted: str) -> str | None:
    """Layer of an imported module (None: not ours)."""
    parts = dotted.split(".")
    if parts[0] != "dashboard":
        return None
    if len(parts) == 1:
        return "base"
    if parts[1] in PACKAGES:
        return parts[1]
    return {"ui": "ui", "app": "app"}.get(parts[1], "base")


def violations(layer: str, source: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            # `from dashboard import ingest` names a package, `from dashboard.x import y` a name
            targets = (
                [f"{node.module}.{a.name}" for a in node.names]
                if node.module == "dashboard"
                else [node.module]
            )
        else:
            continue
        for t in targets:
            if t.split(".")[0] in STREAMLIT and layer not in ("ui", "app"):
                out.append(f"line {node.lineno}: {layer} imports {t}")
            tl = target_layer(t)
            if tl is not None and tl not in ALLOWED[layer]:
                out.append(f"line {node.lineno}: {layer} imports {t} ({tl})")
    return out


CODE = sorted([*(ROOT / "dashboard").rglob("*.py"), *(ROOT / "pages").glob("*.py")])


@pytest.mark.parametrize("path", CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_a_layer_above_or_beside_it(path):
    assert violations(layer_of(path), path.read_text(encoding="utf-8")) == []


def test_every_layer_has_code():
    assert {layer_of(p) for p in CODE} == set(ALLOWED)


@pytest.mark.parametrize(
    "layer,source",
    [
        ("analysis", "from dashboard.ingest.sources.geo import DENOMINATORS"),
        ("render", "from dashboard import ingest"),
        ("app", "from dashboard.ingest import pipeline"),
        ("base", "from dashboard.analysis import filters"),
        ("ingest", "from dashboard.render import maps"),
        ("render", "import streamlit as st"),
        ("analysis", "from streamlit_folium import st_folium"),
    ],
)
def test_the_check_catches_an_upward_import(layer, source):
    assert violations(layer, source) != []
