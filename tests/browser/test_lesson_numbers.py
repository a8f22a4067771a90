"""The lessons' hand calculations in a real browser at 1400x900: every table shows all its
columns, the two word orders and the two architectures sit side by side."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.harness import wait_for_app_idle

pytestmark = pytest.mark.browser


def open_page(page, app_url: str, path: str) -> None:
    page.goto(f"{app_url}/{path}")
    wait_for_app_idle(page, 60_000)
    assert page.get_by_test_id("stException").count() == 0


def tables_fit(page) -> list[list[int]]:
    """[scrollWidth, room] of every text-block table: a wider table would hide its last columns."""
    widths = page.evaluate("[...document.querySelectorAll('.al-table')].map(t => [t.scrollWidth, t.parentElement.clientWidth])")
    assert all(table <= room for table, room in widths), widths
    return widths


@pytest.mark.parametrize("model", ["statquest-decoder", "statquest-translator", "tiny-stories"])
def test_the_fully_connected_layer_shows_every_column(page, app_url, model):
    open_page(page, app_url, f"next?model={model}")
    table = page.locator(".al-table", has_text="score = final · weights")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").first).to_contain_text(" = ")
    tables_fit(page)
    screenshot(page, f"fully-connected-{model}")
    assert not page.errors, page.errors


def test_the_toy_weights_are_written_out_beside_each_other(page, app_url):
    open_page(page, app_url, "attention?model=statquest-decoder")
    boxes = [page.locator(".al-table", has_text=f"{name}[0]").bounding_box() for name in ("W_Q", "W_K", "W_V")]
    assert boxes[0]["x"] + boxes[0]["width"] < boxes[1]["x"] and boxes[1]["x"] + boxes[1]["width"] < boxes[2]["x"]
    expect(page.locator("pre.al-code", has_text="query[0] = ")).to_be_visible()
    tables_fit(page)
    assert not page.errors, page.errors


@pytest.mark.parametrize("model", ["statquest-decoder", "statquest-translator"])
def test_the_two_word_orders_sit_side_by_side(page, app_url, model):
    open_page(page, app_url, f"embeddings?model={model}")
    tables = page.locator(".al-table", has_text="= encoded")
    expect(tables).to_have_count(2)
    mine, other = tables.nth(0).bounding_box(), tables.nth(1).bounding_box()
    assert mine["x"] + mine["width"] < other["x"] and abs(mine["y"] - other["y"]) < 30
    tables_fit(page)
    screenshot(page, f"encoded-{model}")
    assert not page.errors, page.errors


def test_the_two_architectures_sit_side_by_side(page, app_url):
    open_page(page, app_url, "architectures")
    diagrams = page.locator("svg.al-arch")
    expect(diagrams).to_have_count(2)
    normal, decoder_only = diagrams.nth(0).bounding_box(), diagrams.nth(1).bounding_box()
    assert normal["x"] + normal["width"] <= decoder_only["x"] and abs(normal["y"] - decoder_only["y"]) < 30
    assert normal["x"] + normal["width"] <= 1400 and decoder_only["x"] + decoder_only["width"] <= 1400
    expect(diagrams.nth(0)).to_contain_text("Encoder-decoder attention")
    expect(diagrams.nth(1)).not_to_contain_text("Encoder-decoder attention")
    tables_fit(page)
    screenshot(page, "two-architectures")
    assert not page.errors, page.errors
