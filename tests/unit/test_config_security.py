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
from importlib import metadata

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

PAGE_CODE = [ROOT / "dashboard" / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
# The code a server runs: everything but dashboard/ingest/ (the build command's package, which
# may use the network and the disk; tests/unit/test_layers.py proves the app never imports it).
CORE_CODE = sorted(
    p
    for p in (ROOT / "dashboard").rglob("*.py")
    if "ingest" not in p.relative_to(ROOT).parts and p.name != "app.py"
)

UPLOAD_WIDGETS = {"file_uploader", "camera_input", "audio_input", "chat_input", "data_editor"}
CODE_RUNNERS = {"eval", "exec", "compile", "__import__", "breakpoint"}
DANGEROUS_ATTRS = {
    ("os", "system"),
    ("os", "popen"),
    ("os", "execv"),
    ("os", "execvp"),
    ("pickle", "load"),
    ("pickle", "loads"),
    ("marshal", "loads"),
    ("yaml", "load"),
}
DANGEROUS_IMPORTS = {"subprocess", "pickle", "marshal", "shelve", "code", "pty"}


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                yield None, f.id, node
            elif isinstance(f, ast.Attribute):
                base = f.value.id if isinstance(f.value, ast.Name) else None
                yield base, f.attr, node


@pytest.mark.parametrize("path", PAGE_CODE + CORE_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_upload_widget_and_no_code_execution(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for base, name, node in _calls(tree):
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        assert name not in UPLOAD_WIDGETS, f"{where}: st.{name} lets a user send a file"
        assert not (base is None and name in CODE_RUNNERS), f"{where}: {name}() runs code"
        assert (base, name) not in DANGEROUS_ATTRS, f"{where}: {base}.{name}"
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for n in names:
                assert n.split(".")[0] not in DANGEROUS_IMPORTS, f"{path.relative_to(ROOT)}: imports {n}"


def test_page_code_opens_no_file_for_writing():
    for path in [*PAGE_CODE, ROOT / "dashboard" / "ui.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for _base, name, node in _calls(tree):
            if name == "open" and len(node.args) > 1:
                mode = node.args[1]
                assert not (isinstance(mode, ast.Constant) and set(str(mode.value)) & set("wax+")), (
                    f"{path.name}:{node.lineno} opens a file for writing"
                )
            assert name not in ("write_text", "write_bytes", "to_csv", "to_parquet") or (
                name == "to_csv" and not node.args
            ), f"{path.name}:{node.lineno}: {name}"


# --------------------------------------------------------------------------- dependencies

REQUIREMENTS = [ROOT / "requirements.txt", ROOT / "requirements-dev.txt"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]+\])?==([0-9][^\s;#]*)$")


def pins() -> dict[str, str]:
    out = {}
    for req in REQUIREMENTS:
        for raw in req.read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line or line.startswith("-r "):
                continue
            m = PIN.match(line)
            assert m, f"{req.name}: {raw!r} is not pinned with == to one version"
            out[m.group(1).lower()] = m.group(3)
    return out


def test_every_dependency_is_pinned():
    p = pins()
    assert {"streamlit", "folium", "streamlit-folium", "pandas", "pytest", "playwright"} <= set(p)


@pytest.mark.parametrize("name,version", sorted(pins().items()))
def test_installed_version_matches_the_pin(name, version):
    assert metadata.version(name) == version, f"{name} {metadata.version(name)} installed, {version} pinned"


def test_pip_check_is_clean():
    r = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
