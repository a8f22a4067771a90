"""The real app in a real browser: pages load, typing redraws them, markup stays text."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.harness import wait_for_app_idle

pytestmark = pytest.mark.browser

PAGES = ["", "embeddings", "positional", "attention", "mask", "next", "heads"]


def prompt_box(page):
    return page.get_by_role("textbox", name="Prompt", exact=True)


@pytest.mark.parametrize("model,prompt", [("statquest-decoder", "statquest is what"), ("statquest-translator", "to go")])
@pytest.mark.parametrize("path", PAGES)
def test_page_loads_and_follows_typing(page, app_url, path, model, prompt):
    page.goto(f"{app_url}/{path}?model={model}")
    wait_for_app_idle(page, 60_000)
    assert page.get_by_test_id("stException").count() == 0
    box = prompt_box(page)
    box.fill("")
    box.press_sequentially(prompt, delay=40)  # key by key, never pressing Enter
    # a "Connection error" dialog (a cached message the browser had dropped) took the box's focus mid-word
    assert page.get_by_test_id("stDialog").count() == 0
    assert box.input_value() == prompt
    page.wait_for_function(
        "(p) => new URLSearchParams(location.search).get('prompt') === p", arg=prompt, timeout=15_000
    )
    wait_for_app_idle(page, 60_000)
    page.wait_for_timeout(500)
    assert page.get_by_test_id("stException").count() == 0
    body = page.locator("[data-testid='stMain']").inner_text()
    first_word = prompt.split()[0]
    if path != "positional":
        assert first_word in body or page.locator(f"text={first_word}").count() > 0
    screenshot(page, f"{path or 'overview'}-{model}")
    assert not page.errors, page.errors


def test_the_overview_draws_its_diagram_and_tables_without_streamlit_s_heavy_elements(page, app_url):
    """The architecture diagram is our own SVG (components.architecture) and follows typing;
    the tokens and the answer are our own text blocks. Streamlit's Graphviz chart, data grid and
    code highlighter made a fresh browser load about 3.5 MB of script before the first page could
    be drawn (docs/benchmarks.md, eighth session): none of it is fetched here."""
    page.goto(f"{app_url}/?model=statquest-decoder&prompt=statquest+is+what")
    wait_for_app_idle(page, 60_000)
    diagram = page.locator("svg.al-arch")
    expect(diagram).to_contain_text("Masked self-attention")
    expect(diagram).to_contain_text("4 tokens")
    assert diagram.get_attribute("aria-label").startswith("The model's architecture: Prompt words, then Word embedding")
    attention = diagram.locator("g.al-arch-node", has_text="Masked self-attention")
    assert attention.locator("title").text_content() == "trace: blocks.{l}.attn"
    box = attention.locator("rect").bounding_box()  # its text inside its box
    for line in attention.locator("text").all():
        text = line.bounding_box()
        assert box["x"] <= text["x"] and text["x"] + text["width"] <= box["x"] + box["width"]
    tokens = page.locator(".al-table", has_text="you typed")
    expect(tokens.locator("tbody tr")).to_have_count(4)
    expect(tokens.locator("tbody tr").first).to_contain_text("statquest")
    expect(page.locator("pre.al-code")).to_have_text("awesome <EOS>")
    box = prompt_box(page)
    box.press("End")
    box.press_sequentially(" is", delay=40)
    expect(diagram).to_contain_text("5 tokens", timeout=15_000)
    expect(tokens.locator("tbody tr")).to_have_count(5)
    fetched = page.evaluate("performance.getEntriesByType('resource').map(r => r.name.split('/').pop())")
    heavy = [name for name in fetched if name.startswith(("GraphVizChart", "DataFrame", "StreamlitSyntaxHighlighter"))]
    assert heavy == [], heavy
    screenshot(page, "overview-diagram")
    page.goto(f"{app_url}/?model=tiny-stories")  # a bigger model's parameter table fits its expander
    wait_for_app_idle(page, 60_000)
    page.get_by_text("Where the 236,087 parameters are").click()
    parameters = page.locator(".al-table", has_text="tensors")
    expect(parameters).to_contain_text("132,352")  # the feed-forward's, with thousands separators
    assert parameters.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
    assert not page.errors, page.errors


def test_elements_waiting_to_be_redrawn_are_not_faded(page, app_url):
    """app_pages/app.css: while a keystroke's rerun runs, the elements not yet redrawn ("stale")
    keep full opacity and start no transition (Streamlit's own style fades them after 0.5 s, on
    a layer of its own for each)."""
    page.goto(f"{app_url}/attention?model=statquest-decoder")
    wait_for_app_idle(page, 60_000)
    page.evaluate("""() => {
        window.__stale = [];
        new MutationObserver((records) => {
            for (const r of records) {
                if (r.target.getAttribute('data-stale') !== 'true') continue;
                const s = getComputedStyle(r.target);
                window.__stale.push([s.transitionDuration, s.opacity]);
            }
        }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['data-stale']});
    }""")
    prompt_box(page).press("End")
    prompt_box(page).press_sequentially(" is", delay=40)
    wait_for_app_idle(page, 60_000)
    stale = page.evaluate("window.__stale")
    assert stale, "no element went stale during the reruns"
    assert {tuple(x) for x in stale} == {("0s", "1")}


def test_markup_in_the_prompt_is_text_and_triggers_no_dialog(page, app_url):
    page.goto(f"{app_url}/?model=statquest-decoder")
    wait_for_app_idle(page, 60_000)
    hostile = "<img src=x onerror=alert(1)> what </script><script>alert(2)</script> [x](javascript:alert(3))"
    box = prompt_box(page)
    box.fill(hostile)
    box.press("Tab")
    wait_for_app_idle(page, 60_000)
    for path in PAGES:
        page.goto(f"{app_url}/{path}?model=statquest-decoder&prompt={hostile.replace('&', '%26').replace('#', '%23')}")
        wait_for_app_idle(page, 60_000)
        page.wait_for_timeout(300)
        assert page.locator("[data-testid='stMain'] img[src='x']").count() == 0
        assert page.locator("[data-testid='stMain'] a[href^='javascript']").count() == 0
    assert page.dialogs == []
    screenshot(page, "hostile-prompt")


def test_a_copied_link_reopens_the_same_view(page, app_url):
    page.goto(f"{app_url}/attention?model=statquest-translator&prompt=to+go")
    wait_for_app_idle(page, 60_000)
    # the idle check can pass before a busy server has started the first run: wait for its result
    expect(prompt_box(page)).to_have_value("to go", timeout=30_000)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("statquest-translator")


def row_labels(page) -> list[str]:
    return page.locator(".al-heatmap .al-row").all_text_contents()


def test_attention_heatmap_draws_the_tokens_and_its_csv_downloads(page, app_url):
    """The canvas heatmap labels its rows with the prompt's words in order and follows typing;
    the CSV (written only when the button is clicked) holds the same weights."""
    page.goto(f"{app_url}/attention?model=statquest-decoder&prompt=statquest+is+what")
    wait_for_app_idle(page, 60_000)
    expect(page.locator(".al-heatmap .al-row").last).to_have_text("3: <EOS>", timeout=15_000)
    assert row_labels(page) == ["0: statquest", "1: is", "2: what", "3: <EOS>"]
    assert page.locator(".al-heatmap .al-col").all_text_contents() == row_labels(page)
    link = page.get_by_test_id("stMain").get_by_test_id("stLinkButton").first.locator("a")
    href = link.get_attribute("href")
    box = prompt_box(page)
    box.press("End")
    box.press_sequentially(" is", delay=40)
    expect(page.locator(".al-heatmap .al-row").last).to_have_text("4: <EOS>", timeout=15_000)
    wait_for_app_idle(page, 60_000)
    # The link stays the same while the user types (so the browser does not redraw it,
    # app_pages/downloads.py); what it downloads is the prompt on the screen.
    assert href.startswith("_attention_lab/csv/") and link.get_attribute("href") == href
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "attention-blocks.0.attn-head1.csv"
    csv = open(download.value.path(), encoding="utf-8").read().splitlines()
    assert csv[0].startswith("query_pos,key_pos,query_token,key_token")
    assert len(csv) == 1 + 5 * 5  # one row per cell of "statquest is what is <EOS>"
    assert csv[-1].startswith("4,4,<EOS>,<EOS>")
    assert not page.errors, page.errors


def test_hovering_a_heatmap_cell_gives_its_numbers_and_a_click_picks_its_row(page, app_url):
    """The tooltip names the cell's query and key words and gives the exact weight; a click on a
    cell makes its row's word the query of the arithmetic beside."""
    page.goto(f"{app_url}/attention?model=statquest-decoder&prompt=what+is+statquest")
    wait_for_app_idle(page, 60_000)
    cells = page.locator(".al-heatmap canvas.al-cells")
    box = cells.bounding_box()
    cell = box["width"] / 4  # 4 tokens: what is statquest <EOS>
    page.mouse.move(box["x"] + 0.5 * cell, box["y"] + 1.5 * cell)  # row "1: is", column "0: what"
    tip = page.locator(".al-tip")
    expect(tip).to_be_visible()
    text = tip.inner_text()
    assert "1: is" in text and "0: what" in text and "attention weight (exact, 0 to 1)" in text
    assert re.search(r"0\.\d{8}", text)  # the weight at full precision
    page.mouse.click(box["x"] + 0.5 * cell, box["y"] + 1.5 * cell)
    page.wait_for_function("() => new URLSearchParams(location.search).get('query') === '1: is'", timeout=15_000)
    wait_for_app_idle(page, 60_000)
    expect(page.locator(".al-heatmap .al-row.al-chosen")).to_have_text("1: is")
    assert "Step by step for query word 1: is" in page.get_by_test_id("stMain").inner_text()
    screenshot(page, "attention-heatmap-click")
    assert not page.errors, page.errors


def test_a_local_layer_s_hidden_cells_say_why_they_are_hidden(page, app_url):
    """tiny-stories' layer 1 sees only the last 4 words: a cell far back is hidden by its window, a
    cell to the right of the diagonal by the causal mask, and the tooltip tells the two apart."""
    page.goto(f"{app_url}/attention?model=tiny-stories&prompt=Ben+saw+a+shiny+kite+at+the+park")
    wait_for_app_idle(page, 60_000)
    cells = page.locator(".al-heatmap canvas.al-cells")
    box = cells.bounding_box()
    cell = box["width"] / 8  # 8 words
    tip = page.locator(".al-tip")
    page.mouse.move(box["x"] + 0.5 * cell, box["y"] + 7.5 * cell)  # row "7: park", column "0: ben"
    expect(tip).to_contain_text("local window")
    assert "more than 3 words back" in tip.inner_text()
    page.mouse.move(box["x"] + 5.5 * cell, box["y"] + 1.5 * cell)  # row "1: saw", column "5: at": a later word
    expect(tip).to_contain_text("causal mask")
    expect(page.locator(".al-legend-mask")).to_contain_text("outside the window")
    assert "A local layer" in page.get_by_test_id("stMain").inner_text()
    screenshot(page, "attention-local-layer")
    assert not page.errors, page.errors



@pytest.mark.parametrize("model", ["statquest-decoder", "statquest-translator", "tiny-stories", "tiny-translator"])
def test_the_step_by_step_tables_show_every_column(page, app_url, model):
    """The arithmetic sits in a column of fixed width; a table wider than it scrolls sideways and
    hides its last columns ("% × value" went missing when tiny-stories' distance bias came in)."""
    page.goto(f"{app_url}/attention?model={model}")
    wait_for_app_idle(page, 60_000)
    widths = page.evaluate("[...document.querySelectorAll('.al-table')].map(t => [t.scrollWidth, t.parentElement.clientWidth])")
    # the arithmetic and the residual connection (and a toy's W_Q, W_K, W_V written out below)
    assert len(widths) == (5 if model.startswith("statquest") else 2), widths
    for table, shown in widths:
        assert table <= shown, widths
    assert not page.errors, page.errors

def test_the_mask_page_s_four_stages_are_canvases_that_say_minus_infinity(page, app_url):
    """The causal-mask page's stages are canvas heatmaps (no Vega chart): a hidden cell of
    "scores + mask" says -∞ in its tooltip, and a click on a row makes it the query word."""
    page.goto(f"{app_url}/mask?model=statquest-decoder&prompt=what+is+statquest")
    wait_for_app_idle(page, 60_000)
    panels = page.locator(".al-heatmap")
    expect(panels).to_have_count(4)
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 0
    expect(panels.nth(2).locator(".al-title")).to_have_text("3. Scores + mask")
    cells = panels.nth(2).locator("canvas.al-cells")
    box = cells.bounding_box()
    cell = box["width"] / 4  # what is statquest <EOS>
    page.mouse.move(box["x"] + 3.5 * cell, box["y"] + 0.5 * cell)  # row "0: what", column "3: <EOS>": later
    tip = panels.nth(2).locator(".al-tip")
    expect(tip).to_contain_text("-∞")
    expect(tip).to_contain_text("causal mask")
    page.mouse.click(box["x"] + 0.5 * cell, box["y"] + 1.5 * cell)  # row "1: is"
    page.wait_for_function("() => new URLSearchParams(location.search).get('query') === '1: is'", timeout=15_000)
    wait_for_app_idle(page, 60_000)
    expect(panels.nth(0).locator(".al-row.al-chosen")).to_have_text("1: is")
    screenshot(page, "mask-stages")
    assert not page.errors, page.errors


def test_the_heatmap_works_from_the_keyboard(page, app_url):
    """Tab reaches the cells; arrows move from cell to cell with the tooltip's numbers; Enter picks
    the row's word, as a click does."""
    page.goto(f"{app_url}/attention?model=statquest-decoder&prompt=what+is+statquest")
    wait_for_app_idle(page, 60_000)
    cells = page.locator(".al-heatmap canvas.al-cells")
    cells.focus()  # the last word's row, first column
    tip = page.locator(".al-tip")
    expect(tip).to_contain_text("3: <EOS>")
    cells.press("ArrowUp")
    cells.press("ArrowUp")
    cells.press("ArrowRight")
    expect(tip).to_contain_text("1: is")  # row 1, column 1: "is" looking at itself
    assert tip.inner_text().count("1: is") == 2
    cells.press("Enter")
    page.wait_for_function("() => new URLSearchParams(location.search).get('query') === '1: is'", timeout=15_000)
    wait_for_app_idle(page, 60_000)
    expect(page.locator(".al-heatmap .al-row.al-chosen")).to_have_text("1: is")
    assert not page.errors, page.errors


def test_the_heatmap_repaints_sharp_after_a_zoom(page, app_url):
    """A browser zoom changes the pixel ratio (and the window's size in CSS pixels); the canvas
    repaints at the new resolution."""
    page.goto(f"{app_url}/attention?model=statquest-decoder&prompt=what+is+statquest")
    wait_for_app_idle(page, 60_000)
    cells = page.locator(".al-heatmap canvas.al-cells")
    css_width = cells.evaluate("c => c.getBoundingClientRect().width")
    assert cells.evaluate("c => c.width") == round(css_width)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setDeviceMetricsOverride", {"width": 1300, "height": 850, "deviceScaleFactor": 2, "mobile": False})
    page.wait_for_function("() => document.querySelector('.al-heatmap canvas.al-cells').width "
                           "=== 2 * Math.round(document.querySelector('.al-heatmap canvas.al-cells').getBoundingClientRect().width)",
                           timeout=10_000)
    assert not page.errors, page.errors


def test_a_click_on_a_grid_panel_shows_that_head_above(page, app_url):
    """The grid of every head is one picture per head; a click on the bottom-right one picks the
    last layer's last head for the heatmap and the arithmetic above, and outlines that panel."""
    page.goto(f"{app_url}/attention?model=tiny-translator&prompt=the+red+car")
    wait_for_app_idle(page, 60_000)
    panels = page.locator(".al-grid .al-panel:not(.al-empty)")
    expect(panels.first).to_have_attribute("title", "Encoder self-attention, layer 1, head 1")
    panels.last.scroll_into_view_if_needed()
    panels.last.click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('head') === 'head 4'", timeout=15_000)
    wait_for_app_idle(page, 60_000)
    assert "Encoder-decoder attention, layer 2, head 4" in page.get_by_test_id("stMain").inner_text()
    expect(page.locator(".al-grid .al-panel.al-selected")).to_have_attribute("title", "Encoder-decoder attention, layer 2, head 4")
    screenshot(page, "attention-grid-click")
    assert not page.errors, page.errors


def test_a_long_prompt_s_overview_outlines_the_window_and_a_click_moves_it(page, app_url):
    """Past 40 words the heatmap shows a window and the overview the whole matrix in blocks (a
    canvas heatmap, no Vega chart). A click on the top-left block makes word 0 the query word,
    and the window moves to the start."""
    prompt = " ".join(["Ben saw a shiny kite at the park ."] * 8)  # 72 tokens: blocks of 2
    page.goto(f"{app_url}/attention?model=tiny-stories&prompt={prompt.replace(' ', '+')}")
    wait_for_app_idle(page, 60_000)
    heatmaps = page.locator(".al-heatmap")
    expect(heatmaps).to_have_count(2)
    window, overview = heatmaps.nth(0), heatmaps.nth(1)
    expect(overview.locator(".al-title")).to_have_text("The whole matrix (max in each block)")
    expect(overview.locator(".al-row").first).to_have_text("0–1")
    expect(window.locator(".al-row").first).not_to_have_text("0: ben")  # the window ends at the last word
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 0
    cells = overview.locator("canvas.al-cells")
    cells.scroll_into_view_if_needed()
    box = cells.bounding_box()
    page.mouse.move(box["x"] + 3, box["y"] + 3)
    expect(overview.locator(".al-tip")).to_contain_text("mean attention %")
    page.mouse.click(box["x"] + 3, box["y"] + 3)
    expect(window.locator(".al-row").first).to_have_text("0: ben", timeout=15_000)
    wait_for_app_idle(page, 60_000)
    assert "Step by step for query word 0: ben" in page.get_by_test_id("stMain").inner_text()
    screenshot(page, "attention-overview-click")
    assert not page.errors, page.errors


# [rows, cols] of a panel's picture and the colour painted at one of its cells: every picture is
# painted on the grid's one canvas, where its button's data-picture says (x, y, w, h in CSS px).
GRID_PIXEL = """([panel, row, col]) => {
  const button = document.querySelectorAll('.al-grid .al-panel:not(.al-empty)')[panel];
  const [x, y, w, h, rows, cols] = button.dataset.picture.split(',').map(Number);
  const canvas = document.querySelector('.al-grid canvas.al-pictures');
  const ratio = canvas.width / canvas.getBoundingClientRect().width;
  const px = Math.floor((x + (col + 0.5) * w / cols) * ratio), py = Math.floor((y + (row + 0.5) * h / rows) * ratio);
  return [cols, rows, ...canvas.getContext('2d').getImageData(px, py, 1, 1).data.slice(0, 3)];
}"""


def test_grid_pictures_are_painted_in_the_heatmap_colours_and_follow_the_prompt(page, app_url):
    """Each head's picture is painted from its levels, one block per cell: the first word's
    attention to itself (100%) in the darkest blue, a cell the causal mask hides in grey. A new
    word repaints every picture one cell wider, also when it was typed with the grid out of view
    (the grid paints only while it is on the screen)."""
    page.goto(f"{app_url}/attention?model=tiny-stories&prompt=mary+and+john")
    wait_for_app_idle(page, 60_000)
    grid = page.locator(".al-grid")
    grid.scroll_into_view_if_needed()
    page.wait_for_function(f"(a) => ({GRID_PIXEL})(a)[2] === 10", arg=[0, 0, 0], timeout=5_000)
    assert page.evaluate(GRID_PIXEL, [0, 0, 0]) == [3, 3, 10, 74, 144]  # 3 words; #0a4a90, Vega's blues' darkest
    assert page.evaluate(GRID_PIXEL, [15, 0, 1]) == [3, 3, 226, 226, 226]  # layer 2, head 8: hidden by the mask
    box = prompt_box(page)
    box.press("End")  # focusing the sidebar's box leaves the main area where it was scrolled
    page.set_viewport_size({"width": 1280, "height": 420})
    page.evaluate("() => { for (const e of document.querySelectorAll('[data-testid=stMain], [data-testid=stAppViewContainer]')) e.scrollTop = 0; }")
    assert page.evaluate("document.querySelector('.al-grid').getBoundingClientRect().top") > 420 + 200  # out of view
    box.type(" went")
    wait_for_app_idle(page, 60_000)
    grid.scroll_into_view_if_needed()
    page.wait_for_function(f"(a) => {{ const v = ({GRID_PIXEL})(a); return v[0] === 4 && v[2] === 226; }}", arg=[15, 0, 3],
                           timeout=5_000)
    assert page.evaluate(GRID_PIXEL, [15, 0, 3])[:2] == [4, 4]
    assert page.evaluate(GRID_PIXEL, [15, 0, 3])[2:] == [226, 226, 226]
    assert not page.errors, page.errors


def test_charts_are_redrawn_in_place_while_a_word_is_unknown(page, app_url):
    """A notice that comes and goes (an unknown word while it is typed) keeps its own slot, so the
    charts after it are updated where they are, not rebuilt: the same chart elements stay."""
    page.goto(f"{app_url}/attention?model=tiny-stories&prompt=mary+and+john")
    wait_for_app_idle(page, 60_000)
    page.evaluate("() => { document.querySelector('.al-heatmap').dataset.seen = 'heatmap';"
                  " document.querySelector('.al-grid').dataset.seen = 'grid'; }")
    box = prompt_box(page)
    box.press("End")
    box.press("x")  # "johnx": not a word this model knows
    expect(page.get_by_test_id("stAlert")).to_contain_text("johnx")
    wait_for_app_idle(page, 60_000)
    box.press("Backspace")
    expect(page.get_by_test_id("stAlert")).to_have_count(0)
    wait_for_app_idle(page, 60_000)
    seen = page.evaluate("() => [document.querySelector('.al-heatmap').dataset.seen, document.querySelector('.al-grid').dataset.seen]")
    assert seen == ["heatmap", "grid"]
    assert not page.errors, page.errors
