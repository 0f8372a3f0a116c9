"""The map's own script (dashboard/static/js/lamh-map.js): valid JavaScript, and no way for
a source's text to become markup or code.

Node.js parses it (``node --check``, a syntax check without running it).  The rules below
are the script's promises in its header: source text only through ``textContent``; the one
``innerHTML`` takes the app's own SVG symbols; nothing evaluates strings as code.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from dashboard.render import assets

SOURCE = assets.MAP_JS.read_text(encoding="utf-8")


def test_node_parses_the_script():
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "Node.js is needed to check the map script (make test installs it)"
    proc = subprocess.run([node, "--check", str(assets.MAP_JS)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_no_string_becomes_code_or_markup():
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", SOURCE, flags=re.S)  # comments out
    for sink in (
        "eval(",
        "new Function",
        "document.write",
        "insertAdjacentHTML",
        "outerHTML",
        "setTimeout('",
    ):
        assert sink not in code, sink
    # innerHTML only for the legend's SVG swatches, which are the app's own (legend.symbol_svg)
    assigned = re.findall(r"\.innerHTML\s*=\s*([^;]+);", code)
    assert assigned == ["r[0]"], assigned
    assert "r[0].charAt(0) === '<'" in code


def test_the_script_defines_the_calls_the_layers_make():
    for call in ("facilities", "cells", "areas"):
        assert re.search(rf"\b{call}: {call}\b", SOURCE), call
