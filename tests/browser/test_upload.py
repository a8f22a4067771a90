"""Uploading a checkpoint in the real app: good files load, a hostile zip is refused and the model stays."""

import io
import zipfile
from pathlib import Path

import pytest

from tests.browser.harness import screenshot, wait_for_app_idle

pytestmark = pytest.mark.browser
CKPT = Path(__file__).parents[2] / "sample_checkpoints" / "statquest-translator"


def choose_upload(page, app_url):
    page.goto(f"{app_url}/?model=statquest-decoder")
    wait_for_app_idle(page)
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="Upload a checkpoint...").click()
    wait_for_app_idle(page)


def test_uploaded_files_become_the_model(page, app_url):
    choose_upload(page, app_url)
    files = [str(CKPT / n) for n in ("config.json", "tokenizer.json", "model.safetensors")]
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(files)
    page.wait_for_function("() => document.body.innerText.includes('uploaded: translator')", timeout=60_000)
    wait_for_app_idle(page)
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, "upload-files")


def test_a_zip_that_escapes_its_folder_is_refused(page, app_url, tmp_path):
    choose_upload(page, app_url)
    evil = tmp_path / "evil.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../config.json", "{}")
    evil.write_bytes(buf.getvalue())
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(evil))
    page.wait_for_function("() => document.body.innerText.includes('This upload was refused')", timeout=60_000)
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    assert "leaves the checkpoint folder" in sidebar
    assert "statquest-decoder: decoder-only" in sidebar  # the previous model stays in use
    screenshot(page, "upload-refused")
