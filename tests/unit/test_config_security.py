"""Configuration and dependency hygiene: what the server is told, what users can reach.

* .streamlit/config.toml turns usage statistics off and keeps XSRF protection (and the other
  protections below) on — checked both as written and as Streamlit itself parses it, so a
  misspelt key (silently ignored by Streamlit) fails here;
* nothing in the app lets a user upload a file, write one or run code (no upload widget, no
  eval/exec/subprocess/pickle in the code the server runs for a page);
* every dependency is pinned, the environment holds exactly those versions, and
  ``pip check`` is clean.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib

import pytest

from dashboard import config

ROOT = config.PROJECT_ROOT
CONFIG = ROOT / ".streamlit" / "config.toml"

# option -> required value (as Streamlit parses it)
REQUIRED = {
    "browser.gatherUsageStats": False,  # no usage statistics leave the server
    "server.enableXsrfProtection": True,  # uploads and other POSTs need the XSRF token
    "server.enableCORS": True,  # no cross-origin use of the server's endpoints
    "client.showErrorDetails": "none",  # tracebacks (paths, data) never reach a browser
    "client.toolbarMode": "viewer",  # no developer menu (rerun/clear cache/settings)
    "server.runOnSave": False,
    "server.enableAgentApi": False,  # no HTTP/MCP client driving sessions
}


@pytest.fixture(scope="module")
def written() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def _get(d: dict, dotted: str):
    section, key = dotted.split(".")
    return d.get(section, {}).get(key, "<absent>")


@pytest.mark.parametrize("option,value", list(REQUIRED.items()))
def test_config_as_written(written, option, value):
    got = _get(written, option)
    if option == "server.enableAgentApi":  # off by default: absent is fine, on is not
        assert got in ("<absent>", False), got
    else:
        assert got == value, f"{option} = {got!r} in {CONFIG}, expected {value!r}"


def test_every_key_in_the_file_is_a_streamlit_option(written):
    """A misspelt key would be ignored without a word, leaving the default in force."""
    from streamlit import config as st_config

    known = set(st_config._config_options_template)
    for section, values in written.items():
        for key in values:
            assert f"{section}.{key}" in known, f"{section}.{key} is not a Streamlit option"


def test_streamlit_parses_the_file_to_these_values(tmp_path):
    """What Streamlit itself reads from the project's config.toml (a fresh interpreter in the
    project folder, no flags, no STREAMLIT_* variables, a private HOME)."""
    code = (
        "import json; from streamlit import config as c; c.get_config_options(force_reparse=True); "
        f"print(json.dumps({{k: c.get_option(k) for k in {sorted(REQUIRED)!r}}}))"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    import json

    effective = json.loads(out.strip().splitlines()[-1])
    assert effective == REQUIRED, effective


def test_upload_size_is_minimal(written):
    assert _get(written, "server.maxUploadSize") in (1, 0), "the app takes no uploads"


# --------------------------------------------------------------------------- code the server runs
# Code execution, pickle, subprocess and shell calls are ruff's bandit rules (S102, S307, S301,
# S602-S607; pyproject.toml), which run on all of it.  What no linter knows about this app:

PAGE_CODE = [ROOT / "dashboard" / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
# Everything a server imports: all but dashboard/ingest/, the build command's package
# (tests/unit/test_layers.py proves the app never imports it).
SERVER_CODE = PAGE_CODE + sorted(
    p
    for p in (ROOT / "dashboard").rglob("*.py")
    if "ingest" not in p.relative_to(ROOT).parts and p.name != "app.py"
)
UPLOAD_WIDGETS = {"file_uploader", "camera_input", "audio_input", "chat_input", "data_editor"}
WRITES = {"write_text", "write_bytes", "to_csv", "to_parquet", "to_json", "mkdir", "unlink", "touch"}
OS_WRITES = {("os", "replace"), ("os", "rename"), ("os", "remove"), ("shutil", "rmtree"), ("shutil", "move")}
# Functions of the server's code allowed to write, and why.
MAY_WRITE = {
    (
        "dashboard/render/webfiles.py",
        "write",
    ): "make build's writer of the committed snapshot's map files (never called by the server)",
    ("dashboard/snapshot.py", "write"): "the build command's writer (the server only reads the snapshot)",
}


def _calls(source: str):
    """(enclosing function, called name, base name, node) for every call in a module."""
    out = []

    def visit(node, func):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else func
            if isinstance(child, ast.Call):
                f = child.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                base = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else None
                out.append((func, name, base, child))
            visit(child, inner)

    visit(ast.parse(source), None)
    return out


def problems(rel: str, source: str) -> list[str]:
    """Upload widgets, file writes outside MAY_WRITE and the code-running builtins ruff does
    not flag (compile, __import__), in one module's source."""
    out = []
    for func, name, base, node in _calls(source):
        where = f"{rel}:{node.lineno}"
        if isinstance(node.func, ast.Name) and name in ("compile", "__import__"):
            out.append(f"{where}: {name}() runs code")
        if name in UPLOAD_WIDGETS:
            out.append(f"{where}: st.{name} lets a user send a file")
        if name == "download_button" and not (rel == "dashboard/ui/show.py" and func == "download"):
            out.append(f"{where}: a download not made by show.download (CSV safety: tables.csv_bytes)")
        to_text = not node.args and "path_or_buf" not in {k.arg for k in node.keywords}
        in_memory = name in ("to_csv", "to_json") and to_text  # no path: returns the text
        writes = (name in WRITES and not in_memory) or (base, name) in OS_WRITES
        if name == "open" and len(node.args) > 1:
            mode = node.args[1]
            writes = isinstance(mode, ast.Constant) and bool(set(str(mode.value)) & set("wax+"))
        if writes and (rel, func) not in MAY_WRITE:
            out.append(f"{where}: {func}() writes a file ({name})")
    return out


@pytest.mark.parametrize("path", SERVER_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_upload_widget_and_no_file_written_outside_the_allowed_places(path):
    assert problems(path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "code",
    [
        "st.file_uploader('x')",
        "open('f', 'w')",
        "df.to_parquet('x')",
        "Path('x').write_text('y')",
        "os.replace('a', 'b')",
        "df.to_csv('out.csv')",
        "def publish():\n    Path('x').write_bytes(b'')",  # allowed in maps.py's publish only
        "st.download_button('x', data)",  # downloads go through show.download
        "compile(text, 'f', 'exec')",
        "__import__(name)",
    ],
)
def test_the_scan_sees_writes_and_uploads(code):
    assert problems("pages/probe.py", code) != []


# --------------------------------------------------------------------------- dependencies

REQUIREMENTS = [ROOT / "requirements.txt", ROOT / "requirements-dev.txt"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]+\])?==([0-9][^\s;#]*)$")


def test_every_dependency_is_pinned_to_one_version():
    """(`make install-dev` installs exactly these; a range would let a host pick another.)"""
    names = set()
    for req in REQUIREMENTS:
        for raw in req.read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line or line.startswith("-r "):
                continue
            m = PIN.match(line)
            assert m, f"{req.name}: {raw!r} is not pinned with == to one version"
            names.add(m.group(1).lower())
    assert {"streamlit", "folium", "streamlit-folium", "pandas", "pytest", "playwright", "ruff"} <= names
