"""The app's components (app_pages/components): their scripts' pure functions under node's own
test runner (tests/js), the scripts as the browser gets them, and the one palette every
component is sent."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
COMPONENTS = ("heatmap", "head_grid", "text_blocks", "architecture", "chart_export")


def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.fail("node (20 or later) is needed for the components' tests (tests/js): install Debian's nodejs")
    return found


def test_node_tests_of_the_components_pass():
    """``node --test tests/js/``: the colour scale, the grid's layout maths, the tables' number
    formatting. Fails with node's report when any of them fails (or none ran)."""
    run = subprocess.run([node(), "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    report = run.stdout + run.stderr
    passed = re.search(r"^# pass (\d+)$", report, re.M)
    assert run.returncode == 0, f"node's tests failed:\n{report[-6000:]}"
    assert passed and int(passed[1]) >= 13, f"node ran fewer tests than tests/js holds:\n{report[-3000:]}"


@pytest.mark.parametrize("name", COMPONENTS)
def test_each_script_gets_the_shared_helpers_written_in(name, tmp_path):
    """The browser loads a component's script from a blob URL, where ``./dom.js`` cannot be
    imported: base.script writes dom.js in its place, once, and what results is a valid module."""
    from app_pages.components.base import script

    source = script(name)
    assert not re.search(r"^import ", source, re.M)  # no import left for the browser to resolve
    assert source.count("function el(") == 1 and "export function el(" not in source
    (tmp_path / f"{name}.mjs").write_text(source, encoding="utf-8")
    check = subprocess.run([node(), "--check", str(tmp_path / f"{name}.mjs")], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr


def typedefs(name: str) -> dict[str, dict[str, bool]]:
    """The JSDoc typedefs of a component's script: {typedef: {property: optional}}."""
    found, current = {}, None
    for line in (ROOT / "app_pages" / "components" / f"{name}.js").read_text(encoding="utf-8").splitlines():
        if m := re.search(r"@typedef \{object\} (\w+)", line):
            current = found.setdefault(m[1], {})
        elif (m := re.search(r"@property \{.*\} (\[?)(\w+)\]?", line)) and current is not None:
            current[m[2]] = bool(m[1])
    return found


@pytest.mark.parametrize("script, classes", [
    ("heatmap", ["Heatmap", "TipExtra"]), ("head_grid", ["HeadGrid", "GridPanel"]),
    ("text_blocks", ["TextBlocks", "TextBlock", "Table", "Column"]), ("architecture", ["Architecture"]),
    ("chart_export", ["ChartExport"]),
])
def test_each_payload_dataclass_is_mirrored_by_its_scripts_typedef(script, classes):
    """Same fields, and a field is optional in the typedef exactly when the dataclass leaves it
    None (base.plain leaves None out); a component's own typedef also has the palette."""
    import dataclasses
    import importlib

    module = importlib.import_module(f"app_pages.components.{script}")
    found = typedefs(script)
    for index, name in enumerate(classes):
        fields = {f.name: f.default is None for f in dataclasses.fields(getattr(module, name))}
        if index == 0:
            fields["colours"] = False
        assert found[name] == fields, name


def test_a_payload_of_unknown_fields_fails_in_python():
    """viz's dicts become the dataclasses at the component's door: a misspelt field is an error
    here, not a silently blank chart in the browser."""
    from app_pages.components import Heatmap, HeadGrid

    with pytest.raises(TypeError):
        Heatmap(title="t", colour_scale="blues")
    with pytest.raises(TypeError):
        HeadGrid(rows=[], cols=[], panels=[{"row": 0}], panel_px=90, highlight="#ff4b4b", palette=[])


def test_every_component_gets_the_one_palette_and_the_grid_and_heatmap_share_its_blues():
    """One palette (viz.palette): every component on the attention page is sent it, the heatmap
    draws from its blues, and the grid's darkest level is its darkest blue, Vega's #0a4a90."""
    from tests.app.app_runner import open_app
    from viz.palette import BLUES, hex_rgb, palette_data

    at = open_app("attention", model="statquest-translator")  # three attention cells: a grid
    assert not at.exception, at.exception
    sent = [json.loads(e.proto.json) for e in at.get("bidi_component")]
    assert len(sent) >= 3 and all(d["colours"] == palette_data() for d in sent)
    grid = next(d for d in sent if "panels" in d)
    assert grid["palette"][3 * 254:3 * 255] == list(hex_rgb(BLUES[-1])) == [10, 74, 144]
    assert grid["palette"][:3] == list(hex_rgb(BLUES[0]))
    assert len(BLUES) == 11  # vega-scale's "blues": 11 colours
