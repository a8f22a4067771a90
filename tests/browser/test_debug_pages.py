"""The debugging pages in a real browser: both patching prompts are live, and a click on an
attribution head lands on that head's pattern on the Attention page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.harness import wait_for_app_idle

pytestmark = pytest.mark.browser


def grid_columns(page, index: int) -> list[str]:
    return page.locator(".al-heatmap").nth(index).locator(".al-col").all_inner_texts()


def test_typing_in_both_patching_prompts_redraws_the_grids(page, app_url):
    page.goto(f"{app_url}/patching?model=tiny-stories")
    wait_for_app_idle(page, 60_000)
    expect(page.locator(".al-heatmap")).to_have_count(2)
    assert "3: john" in grid_columns(page, 0)
    clean = "When Mary and Kate went to the park, Kate gave a ball to"
    corrupted = "When Mary and Kate went to the park, Mary gave a ball to"
    for name, text in (("Clean prompt", clean), ("Corrupted prompt", corrupted)):
        box = page.get_by_role("textbox", name=name, exact=True)
        box.fill("")
        box.press_sequentially(text, delay=20)  # key by key, never pressing Enter
    page.wait_for_function("(p) => new URLSearchParams(location.search).get('corrupted') === p", arg=corrupted, timeout=20_000)
    wait_for_app_idle(page, 60_000)
    expect(page.locator(".al-heatmap").first).to_contain_text("3: kate")
    assert "7: park" in grid_columns(page, 0)
    text = page.get_by_test_id("stMain").inner_text()
    assert "logit('mary') − logit('kate')" in text or "logit('kate')" in text
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, "patching-typed")
    assert not page.errors, page.errors


def test_clicking_an_attribution_head_opens_its_pattern(page, app_url):
    page.goto(f"{app_url}/attribution?model=tiny-stories")
    wait_for_app_idle(page, 60_000)
    cells = page.locator(".al-heatmap canvas.al-cells").first
    box = cells.bounding_box()
    cell = box["width"] / 8  # 8 heads per layer
    page.mouse.click(box["x"] + 5.5 * cell, box["y"] + 2.5 * cell)  # layer 3, head 6
    page.wait_for_function("() => location.pathname.endsWith('/attention')", timeout=20_000)
    wait_for_app_idle(page, 60_000)
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text("Masked self-attention, layer 3, head 6")
    assert page.get_by_test_id("stException").count() == 0
    screenshot(page, "attribution-click-to-attention")
    assert not page.errors, page.errors


def test_typing_keeps_the_compare_pages_heatmaps_mounted(page, app_url):
    # The prompts' lengths go from different to equal and back: the note saying so is the difference
    # panel's, so no element comes and goes above the heatmaps and the browser keeps all three.
    prompt = "When Mary and John went to the store , John gave a drink to "
    page.goto(f"{app_url}/compare?model=tiny-stories&prompt={prompt.replace(' ', '+')}&prompt_b={prompt.replace(' ', '+')}x")
    wait_for_app_idle(page, 60_000)
    expect(page.locator(".al-heatmap")).to_have_count(3)
    page.evaluate("() => document.querySelectorAll('.al-heatmap').forEach((e, i) => { e.dataset.mark = String(i + 1); })")
    box = page.get_by_role("textbox", name="Prompt", exact=True)
    for key in ("a", "Backspace", "b"):
        box.press("End")
        box.press(key)
        wait_for_app_idle(page, 60_000)
        marks = page.evaluate("() => [...document.querySelectorAll('.al-heatmap')].map(e => e.dataset.mark || '')")
        assert marks == ["1", "2", "3"], key
    assert page.get_by_test_id("stException").count() == 0
    assert not page.errors, page.errors


def test_a_grid_cells_tooltip_gives_its_exact_number(page, app_url):
    # matrix_data sends each cell's number once (rounded to 6 decimals) and the tooltip's exact line reads it
    page.goto(f"{app_url}/lens?model=tiny-stories")
    wait_for_app_idle(page, 60_000)
    cells = page.locator(".al-heatmap canvas.al-cells").first
    box = cells.bounding_box()
    cells.hover(position={"x": box["width"] - 5, "y": box["height"] - 5})  # the last word's output: P(mary)
    tip = page.locator(".al-tip")
    expect(tip).to_be_visible()
    text = tip.inner_text()
    assert "P(mary) % (exact)" in text and "top word" in text, text
    exact = float(text.split("P(mary) % (exact)")[1].split()[0])
    shown = float(text.split("P(mary) %")[1].split()[0])
    assert abs(exact - shown) < 5e-4 and len(f"{exact:.6f}".split(".")[1]) == 6
    assert not page.errors, page.errors


def test_typing_keeps_the_attribution_chart_and_retitles_it_from_its_data(page, app_url):
    # one spec for every pair of words (the title is read from the data): the browser swaps the data
    page.goto(f"{app_url}/attribution?model=tiny-stories")
    wait_for_app_idle(page, 60_000)
    chart = "[data-testid=stVegaLiteChart] svg, [data-testid=stVegaLiteChart] canvas"
    page.evaluate(f"() => document.querySelectorAll('{chart}').forEach(e => {{ e.dataset.mark = 'kept'; }})")
    box = page.get_by_role("textbox", name="Prompt", exact=True)
    box.press("End")
    box.press_sequentially(" mary", delay=20)
    wait_for_app_idle(page, 60_000)
    assert page.evaluate(f"() => [...document.querySelectorAll('{chart}')].map(e => e.dataset.mark)") == ["kept"]
    target = page.get_by_test_id("stMain").inner_text().split("At the last word, ")[1].split("the model's ")[1].split(" is ")[0]
    titles = page.evaluate("() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] text')].map(t => t.textContent)")
    assert f"Every part, largest effect first: {target}" in titles, (target, titles)
    assert not page.errors, page.errors
