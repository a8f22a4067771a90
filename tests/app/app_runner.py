"""Opening the app under Streamlit's AppTest, as every page test does."""

import json
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parents[2] / "app.py")


def open_app(page: str | None = None, **params) -> AppTest:
    """Run app.py with these URL query parameters, then switch to ``app_pages/<page>.py``."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(f"app_pages/{page}.py").run()
    return at


def rendered(markdown: str) -> str:
    """Markdown as it reads on screen: the backslash escapes that keep outside text literal removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def custom_model(bundle, folder: Path, monkeypatch) -> dict:
    """Save ``bundle`` as a checkpoint in ``folder`` and allow that folder's parent as a
    checkpoint root; returns the URL parameters that open it in the model picker."""
    from model.checkpoint import save_checkpoint

    save_checkpoint(bundle, folder)
    monkeypatch.setenv("ATTENTION_LAB_CHECKPOINT_ROOTS", str(Path(folder).parent))
    return {"model": "Checkpoint folder...", "ckpt": str(folder)}


def chart_text(at: AppTest) -> str:
    """Every chart on the page, spec and data, as one text (to see whether a view changed)."""
    return "\n".join(e.proto.spec + "".join(str(d.data) for d in e.proto.datasets) for e in at.get("vega_lite_chart"))


def chart_data(element, index: int = 0):
    """A chart's dataset (Streamlit sends named datasets as Arrow) as a DataFrame."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    return convert_arrow_bytes_to_pandas_df(element.proto.datasets[index].data.data)


def component_data(at: AppTest, index: int = 0) -> dict:
    """The data a component of the page (app_pages/components) was given."""
    import json

    return json.loads(at.get("bidi_component")[index].proto.json)


def _blocks(at: AppTest) -> list[dict]:
    """The blocks of the page's step-by-step columns (components.text_blocks)."""
    import json

    return [b for e in at.get("bidi_component") for b in json.loads(e.proto.json).get("blocks", [])]


def component_tables(at: AppTest) -> list[dict]:
    """The tables of the page's step-by-step columns, each {"columns", "rows", ...}."""
    return [b for b in _blocks(at) if b["kind"] == "table"]


def component_text(at: AppTest) -> str:
    """The headings, lines and notes of the page's text blocks, and the captions of its heatmaps
    and grid, as they read."""
    import json

    notes = []
    for e in at.get("bidi_component"):
        data = json.loads(e.proto.json)
        notes += [*data.get("notes", []), *([data["note"]] if data.get("note") else [])]
    return "\n".join(["".join(text for _, text in b["parts"]) for b in _blocks(at) if b["kind"] != "table"] + notes)


def open_page(page: str, **params) -> AppTest:
    """open_app on a page, checked: the page ran without an exception."""
    at = open_app(page, **params)
    assert not at.exception, at.exception
    return at


def components(at: AppTest) -> list[dict]:
    """The data of every component of the page (app_pages/components), in page order."""
    return [json.loads(e.proto.json) for e in at.get("bidi_component")]
