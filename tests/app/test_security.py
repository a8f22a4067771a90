"""A visitor of a shared server, tried as an attacker would (issue: hostile checkpoints and links).

Each class of attack at module level and through the app under AppTest: memory bounded by the
trace budget, nothing from a link, a prompt or a checkpoint rendered as markdown or HTML, no
file read through a link out of a checkpoint folder, and every hostile input answered with its
own message while the app keeps the previous model.
"""

import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from app_pages import url_guard
from model.budget import BUDGET_ENV
from model.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from model.upload import extract_upload
from tests.app.app_runner import open_app, rendered
from tests.model_factory import random_bundle

ROOT = Path(__file__).parents[2]
DECODER = ROOT / "sample_checkpoints" / "statquest-decoder"
PAGES = ["overview", "embeddings", "positional", "attention", "causal_mask", "next_token", "architectures", "heads",
         "lens", "attribution", "patching", "compare"]
# What a crafted link or checkpoint tries to get rendered: a live external image, a link, HTML.
IMAGE, LINK, HTML = "![x](http://evil.example/x.png)", "[log in](http://evil.example/login)", "<img src=x onerror=alert(1)>"
LIVE = re.compile(r"(?<!\\)\]\((?:http|javascript)|(?<!\\)<(?:img|a |script|b>)")


def markdown_fields(at) -> list[str]:
    """Every text of the page that Streamlit renders as markdown or HTML: bodies of markdown,
    captions, alerts, headings and HTML; labels and help of widgets, expanders and buttons;
    options of radios, pills and segmented controls."""
    texts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            for field, value in proto.ListFields():
                if field.name in ("body", "label", "help", "placeholder") and isinstance(value, str):
                    texts.append(value)
                elif field.name == "options" and type(proto).__name__ in ("Radio", "ButtonGroup"):
                    texts.extend(getattr(o, "content", o) for o in value if isinstance(getattr(o, "content", o), str))
        children = getattr(node, "children", None) or {}
        for child in children.values() if isinstance(children, dict) else children:
            walk(child)

    walk(at._tree)
    return texts


def assert_nothing_live(at) -> None:
    assert not at.exception, at.exception
    live = [t for t in markdown_fields(at) if LIVE.search(t)]
    assert not live, live


def hostile_checkpoint(root: Path) -> Path:
    """The lesson decoder with markup for words and for its folder's name."""
    folder = root / "[click](javascript:alert(1))"
    shutil.copytree(DECODER, folder)
    data = json.loads((folder / "tokenizer.json").read_text())
    data["vocab"] = [{"awesome": IMAGE, "is": LINK, "statquest": HTML}.get(w, w) for w in data["vocab"]]
    (folder / "tokenizer.json").write_text(json.dumps(data))
    return folder


# 1. Memory --------------------------------------------------------------------------------------

def long_context_checkpoint(folder: Path) -> Path:
    return save_checkpoint(random_bundle(max_len=8192, d_model=32, n_heads=16, n_layers=6, d_ff=64), folder)


def test_a_long_context_checkpoint_and_a_10000_character_prompt_stay_in_the_budget(tmp_path, monkeypatch):
    monkeypatch.setenv(BUDGET_ENV, "32")
    folder = long_context_checkpoint(tmp_path / "long")
    monkeypatch.setenv("ATTENTION_LAB_CHECKPOINT_ROOTS", str(tmp_path))
    at = open_app("attention", model="Checkpoint folder...", ckpt=str(folder))
    at.text_input(key="prompt").input(("the cat sat on the mat and it was happy " * 300)[:10_000]).run()
    assert not at.exception
    from app_pages import cache

    bundle = load_checkpoint(folder)
    assert 1 < bundle.max_tokens < 8192
    notices = " ".join(w.value for w in at.warning)
    assert f"longer than the {bundle.max_tokens:,} tokens this server traces" in notices and "32 MB" in notices
    assert cache.TRACES.bytes_held <= cache.TRACES.budget_bytes
    held = [t for t, _ in cache.TRACES._entries.values() if len(t.tokens) == bundle.max_tokens]
    assert held, "the cut prompt's trace is in the cache"


def test_a_paste_longer_than_the_box_takes_is_cut_with_a_notice():
    at = open_app()
    at.text_input(key="prompt").input("what is statquest " * 1_000).run()
    assert not at.exception
    assert any("18,000 characters: only the first 10,000 are read" in w.value for w in at.warning)


def test_a_config_bigger_than_its_weights_is_refused_before_the_model_is_built(tmp_path, monkeypatch):
    folder = save_checkpoint(random_bundle(), tmp_path / "liar")
    config = json.loads((folder / "config.json").read_text())
    config.update(d_model=1024, n_heads=16, n_layers=12, d_ff=4096)
    (folder / "config.json").write_text(json.dumps(config))
    import model.checkpoint as checkpoint

    built = []
    monkeypatch.setattr(checkpoint, "build_model", lambda cfg: built.append(cfg))
    with pytest.raises(CheckpointError, match=r"holds 5,041 numbers but config.json describes a model of 151,\d{3},\d{3}"):
        load_checkpoint(folder)
    assert not built


# 2. Markdown injection -----------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGES)
def test_a_checkpoint_whose_words_and_name_are_markup_renders_none_of_it(page, tmp_path, monkeypatch):
    folder = hostile_checkpoint(tmp_path)
    monkeypatch.setenv("ATTENTION_LAB_CHECKPOINT_ROOTS", str(tmp_path))
    at = open_app(page, model="Checkpoint folder...", ckpt=str(folder))
    assert_nothing_live(at)
    assert any("click" in t for t in markdown_fields(at))  # the folder's name is there, as text
    for prompt in ("what", "", "what what what what what what what", "what <img src=x> [a](http://evil.example)"):
        at.text_input(key="prompt").input(prompt).run()
        assert_nothing_live(at)
    if page == "next_token":  # generated words are the vocabulary's: the markup words reach every page
        at.text_input(key="prompt").input("what").run()
        to_the_end = [b for b in at.button if "end" in b.label.lower()]
        assert to_the_end
        to_the_end[0].click().run()
        assert_nothing_live(at)
        assert at.session_state["continuation"], "the model generated words"
        for other in PAGES:
            at.switch_page(f"app_pages/{other}.py").run()
            assert_nothing_live(at)


@pytest.mark.parametrize("ckpt", [f"{LINK} {IMAGE}", HTML, "sample_checkpoints/" + LINK])
def test_a_crafted_ckpt_link_renders_no_markup(ckpt):
    at = open_app(model="Checkpoint folder...", ckpt=ckpt)
    assert_nothing_live(at)
    assert at.error and at.selectbox(key="model").value == "Checkpoint folder..."


# 3. Files read through links -------------------------------------------------------------------

def test_a_model_card_that_links_elsewhere_is_not_read(tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("the server's secret")
    folder = tmp_path / "root" / "linked"
    shutil.copytree(DECODER, folder)
    (folder / "README.md").unlink()
    (folder / "README.md").symlink_to(secret)
    with pytest.raises(CheckpointError, match="link to a file outside the checkpoint folder"):
        load_checkpoint(folder)
    monkeypatch.setenv("ATTENTION_LAB_CHECKPOINT_ROOTS", str(tmp_path / "root"))
    at = open_app("overview", model="Checkpoint folder...", ckpt=str(folder))
    assert not at.exception
    assert any("outside the checkpoint folder" in e.value for e in at.error)
    everything = json.dumps([str(e.proto) for e in at.get("bidi_component")]) + " ".join(markdown_fields(at))
    assert "secret" not in everything


def test_a_link_inside_the_folder_is_fine(tmp_path):
    folder = tmp_path / "ok"
    shutil.copytree(DECODER, folder)
    (folder / "card.md").write_text("# a card\n")
    (folder / "README.md").unlink()
    (folder / "README.md").symlink_to(folder / "card.md")
    assert load_checkpoint(folder).card == "# a card\n"


# 4. Each hostile input gets its own message, and the previous model stays -----------------------

@pytest.mark.parametrize("ckpt, message", [
    ("sample_checkpoints/a\x00b", "control characters"),
    ("sample_checkpoints/" + "a" * 300, "too long"),
    ("~nosuchuser/models", "home-folder paths"),
    ("~root/models", "home-folder paths"),  # same answer: nothing tells which users exist
    ("/etc", "only folders inside"),
])
def test_hostile_folder_paths_get_their_own_message(ckpt, message):
    at = open_app(model="statquest-translator")
    at.selectbox(key="model").select("Checkpoint folder...").run()
    at.text_input(key="ckpt").input(ckpt).run()
    assert not at.exception
    errors = [rendered(e.value) for e in at.error]
    assert any(message in e for e in errors), errors
    assert not any(str(ROOT) in e for e in errors)  # no absolute server path
    assert "statquest-translator" in rendered(at.sidebar.caption[-1].value)  # the previous model stays


def test_link_loops_and_broken_links_in_a_root(tmp_path, monkeypatch):
    root = tmp_path / "root"
    root.mkdir()
    (root / "loop").symlink_to(root / "loop")
    (root / "dangling").symlink_to(tmp_path / "gone")
    inner = root / "inner"
    shutil.copytree(DECODER, inner)
    (inner / "config.json").unlink()
    (inner / "config.json").symlink_to(inner / "config.json")  # a file that is a loop
    monkeypatch.setenv("ATTENTION_LAB_CHECKPOINT_ROOTS", os.pathsep.join([str(root), str(tmp_path / "missing-root")]))
    at = open_app(model="statquest-translator")
    at.selectbox(key="model").select("Checkpoint folder...").run()
    for name, message in (("loop", "cannot be followed"), ("dangling", "only folders inside"), ("inner", "broken link")):
        at.text_input(key="ckpt").input(str(root / name)).run()
        assert not at.exception, name
        errors = [rendered(e.value) for e in at.error]
        assert any(message in e for e in errors), (name, errors)
        assert not any(str(tmp_path) in e for e in errors)  # paths are shown relative to their root
        assert "statquest-translator" in rendered(at.sidebar.caption[-1].value)


@pytest.mark.parametrize("params", [dict(top_k="inf"), dict(seed="1e400"), dict(top_k="nan"), dict(temperature="-inf"),
                                    dict(top_p="1e400"), dict(pe_positions="2.5"), dict(pe_d_model="x" * 300)])
def test_numbers_in_a_link_that_are_not_numbers_are_dropped_with_a_notice(params):
    at = open_app(**params)
    assert not at.exception
    assert any("not a usable number" in w.value for w in at.warning)
    at.switch_page("app_pages/positional.py" if any(k.startswith("pe_") for k in params) else "app_pages/next_token.py").run()
    assert not at.exception
    assert not set(params) & set(at.query_params)


def test_usable_numbers_are_kept():
    params = {"top_k": "3", "seed": "1e3", "temperature": "0.5", "model": "x"}
    assert url_guard.drop_bad_numbers(params) == [] and len(params) == 4


def test_every_number_widget_bound_to_the_url_is_guarded():
    """A new number widget bound to the URL must be added to url_guard.NUMBER_KEYS."""
    source = "\n".join(p.read_text() for p in (ROOT / "app_pages").glob("*.py"))
    bound = set(re.findall(r'st\.(?:number_input|slider)\([^)]*?key="(\w+)"[^)]*?bind="query-params"', source, re.S))
    assert bound and bound <= set(url_guard.NUMBER_KEYS), bound - set(url_guard.NUMBER_KEYS)


def zipped(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def checkpoint_files(tmp_path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(DECODER.iterdir())]


def test_a_zip_with_a_bad_crc_is_refused(tmp_path):
    data = bytearray(zipped([("config.json", b'{"a": "' + b"x" * 2000 + b'"}')]))
    data[60] ^= 0xFF  # a byte of the compressed stream
    with pytest.raises(CheckpointError, match="not a readable zip file"):
        extract_upload([("bad.zip", bytes(data))], tmp_path / "out")


def test_a_zip_that_understates_a_size_is_refused(tmp_path):
    data = zipped(checkpoint_files(tmp_path))
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo("tokenizer.json")
    patched = bytearray(data)
    real = info.file_size.to_bytes(4, "little")
    assert patched.count(real) >= 2
    patched = patched.replace(real, (info.file_size // 2).to_bytes(4, "little"))  # local header and directory
    with pytest.raises(CheckpointError, match="not a readable zip file"):
        extract_upload([("liar.zip", bytes(patched))], tmp_path / "out")


@pytest.mark.parametrize("name", ["config.json", "tokenizer.json", "training.json"])
def test_json_nested_100000_deep_is_refused(name, tmp_path):
    folder = tmp_path / "deep"
    shutil.copytree(DECODER, folder)
    (folder / name).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(CheckpointError, match="nested too deeply"):
        load_checkpoint(folder)


@pytest.mark.parametrize("prompts", ["what is statquest", [], [1, 2], [["a"]], {"a": "b"}, ["x"] * 101])
def test_example_prompts_of_the_wrong_type_are_refused(prompts, tmp_path, monkeypatch):
    folder = tmp_path / "typed"
    shutil.copytree(DECODER, folder)
    info = json.loads((folder / "training.json").read_text())
    (folder / "training.json").write_text(json.dumps({**info, "example_prompts": prompts}))
    with pytest.raises(CheckpointError, match="example_prompts"):
        load_checkpoint(folder)
    monkeypatch.setenv("ATTENTION_LAB_CHECKPOINT_ROOTS", str(tmp_path))
    at = open_app(model="statquest-translator")
    at.selectbox(key="model").select("Checkpoint folder...").run()
    at.text_input(key="ckpt").input(str(folder)).run()
    assert not at.exception
    assert any("example\\_prompts" in e.value for e in at.error)
    assert "statquest-translator" in rendered(at.sidebar.caption[-1].value)


def test_error_messages_show_paths_relative_to_their_root(tmp_path, monkeypatch):
    folder = tmp_path / "models" / "broken"
    shutil.copytree(DECODER, folder)
    (folder / "config.json").write_text("{")
    monkeypatch.setenv("ATTENTION_LAB_CHECKPOINT_ROOTS", str(tmp_path / "models"))
    at = open_app(model="Checkpoint folder...", ckpt=str(folder))
    errors = [rendered(e.value) for e in at.error]
    assert any("models/broken/config.json: not valid JSON" in e for e in errors), errors
    assert not any(str(tmp_path) in e for e in errors)
