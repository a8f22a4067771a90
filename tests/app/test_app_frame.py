"""The frame (app.py) under Streamlit's AppTest: model picker, prompt, URL state, bad input."""

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.app_runner import open_app, rendered

CHECKPOINTS = Path(__file__).parents[2] / "sample_checkpoints"


def app(**params) -> AppTest:
    return open_app(**params)


def page_text(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "text", "caption", "info", "warning", "error", "code") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def test_starts_with_the_decoder_lesson_and_its_prompt():
    at = app()
    assert not at.exception
    assert at.selectbox(key="model").value == "statquest-decoder"
    assert at.text_input(key="prompt").value == "what is statquest"
    assert {"statquest-decoder", "statquest-translator"} <= set(at.selectbox(key="model").options)


def test_switching_model_switches_to_its_example_prompt():
    at = app()
    at.selectbox(key="model").select("statquest-translator").run()
    assert not at.exception
    assert at.text_input(key="prompt").value == "let's go"
    assert "statquest-translator" in page_text(at)


def test_url_restores_model_and_prompt():
    at = app(model="statquest-translator", prompt="to go")
    assert not at.exception
    assert at.selectbox(key="model").value == "statquest-translator"
    assert at.text_input(key="prompt").value == "to go"


def test_empty_prompt_gives_a_hint_not_an_error():
    at = app()
    at.text_input(key="prompt").input("").run()
    assert not at.exception and not at.error
    assert any("Type a prompt" in i.value for i in at.info)


@pytest.mark.parametrize("prompt", ["<b>bold</b> what", "<script>alert(1)</script>", "**what** is", "<img src=x onerror=alert(1)>"])
def test_markup_in_the_prompt_is_never_rendered(prompt):
    at = app()
    at.text_input(key="prompt").input(prompt).run()
    assert not at.exception
    for element in at.markdown:
        assert "<script" not in element.value and "<img" not in element.value and "<b>" not in element.value
        assert not getattr(element.proto, "allow_html", False) or "<" not in element.value


def test_over_long_prompt_is_cut_with_a_notice():
    at = app()
    at.text_input(key="prompt").input("what is " * 20).run()
    assert not at.exception
    assert any("longer than this model's 6 tokens" in w.value for w in at.warning)


def test_checkpoint_outside_the_roots_is_refused():
    at = app(model="Checkpoint folder...", ckpt="/etc")
    assert not at.exception
    assert any("only folders inside" in e.value for e in at.error)
    assert "statquest-decoder" in page_text(at)  # a model stays in use


def test_broken_checkpoint_keeps_the_previous_model(tmp_path, monkeypatch):
    broken = tmp_path / "broken"
    shutil.copytree(CHECKPOINTS / "statquest-decoder", broken)
    config = json.loads((broken / "config.json").read_text())
    config["d_model"] = 10**9
    (broken / "config.json").write_text(json.dumps(config))
    monkeypatch.setenv("ATTENTION_LAB_CHECKPOINT_ROOTS", str(tmp_path))
    at = app(model="statquest-translator")
    at.selectbox(key="model").select("Checkpoint folder...").run()
    at.text_input(key="ckpt").input(str(broken)).run()
    assert not at.exception
    assert any("previous model stays in use" in e.value and "d_model" in rendered(e.value) for e in at.error)
    assert "statquest-translator" in page_text(at)


def test_a_good_custom_checkpoint_loads(tmp_path, monkeypatch):
    shutil.copytree(CHECKPOINTS / "statquest-translator", tmp_path / "mine")
    monkeypatch.setenv("ATTENTION_LAB_CHECKPOINT_ROOTS", str(tmp_path))
    at = app(model="Checkpoint folder...", ckpt=str(tmp_path / "mine"))
    assert not at.exception and not at.error
    assert "mine: translator" in page_text(at)


def test_the_first_run_schedules_the_heap_freeze_once(monkeypatch):
    """app.py has shared.settle_heap() run on a timer, once per process, after the first page; it
    freezes the imported libraries' objects, so a full collection no longer walks them."""
    import gc

    from app_pages import shared

    scheduled = []

    class FakeTimer:
        def __init__(self, delay, function):
            scheduled.append((delay, function))

        def start(self):
            pass

    monkeypatch.setattr(shared, "Timer", FakeTimer)
    shared.settle_heap_soon.cache_clear()
    at = app()
    at.text_input(key="prompt").input("statquest is what").run()
    assert [function for _, function in scheduled] == [shared.settle_heap]
    shared.settle_heap()
    assert gc.get_freeze_count() > 100_000


def test_the_first_page_does_not_wait_for_altair():
    """Cold start: what app.py and the Overview page import leaves Altair (a quarter of a second)
    to the later pages."""
    import subprocess
    import sys

    code = ("import sys, app_pages.shared, model.upload, model.checkpoint, model.generate, viz.architecture; "
            "assert 'altair' not in sys.modules, 'altair imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
