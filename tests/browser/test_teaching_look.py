"""Issue 17 in a real browser at a teacher's 1400 x 900: the heatmap beside its arithmetic, one
palette for Vega and canvas charts, PNG and SVG from every kind of chart, generated words in the link."""

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from tests.browser.harness import ROOT, wait_for_app_idle
from viz.palette import BLUES, REDBLUE, hex_rgb

pytestmark = pytest.mark.browser

LONG = ("a girl named mary went to the park and she saw a big dog and the dog was happy and mary was happy "
        "too and they played in the sun all day")  # 31 words (+1 with the translator's <EOS>)


def boxes(page) -> dict:
    """The attention heatmap's cells and the step-by-step table, and whether the table hides columns."""
    return page.evaluate("""() => {
      const box = (e) => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
      const table = document.querySelector('.al-steps .al-table-wrap');
      return {heat: box(document.querySelector('.al-heatmap canvas.al-cells')), table: box(table),
              steps: box(document.querySelector('.al-steps')), hidden: table.scrollWidth - table.clientWidth};
    }""")


@pytest.mark.parametrize("query", [
    "model=statquest-decoder",
    "model=statquest-decoder&gen=3,4",  # after generating "awesome <EOS>"
    "model=statquest-translator&gen=",  # the decoder before generating: only <EOS>
    "model=statquest-translator",  # after: the whole translation
    "model=statquest-translator&layer=Encoder-decoder+attention,+layer+1",
    "model=tiny-stories",
    f"model=tiny-stories&prompt={LONG.replace(' ', '+')}",
    "model=tiny-translator",
    f"model=tiny-translator&prompt={LONG.replace(' ', '+')}&layer=Encoder-decoder+attention,+layer+2",
])
def test_the_heatmap_and_its_arithmetic_sit_side_by_side(page, app_url, query):
    page.goto(f"{app_url}/attention?{query}")
    wait_for_app_idle(page, 90_000)
    assert page.get_by_test_id("stException").count() == 0
    b = boxes(page)
    heat, table = b["heat"], b["table"]
    assert heat["x"] + heat["w"] < table["x"], b  # the table right of the cells, not below them
    assert b["steps"]["y"] < heat["y"] + heat["h"], b  # the steps start beside the cells
    assert table["x"] + table["w"] <= 1400 and b["hidden"] <= 1, b  # every column on screen
    assert heat["w"] >= 4 * 14, b  # at 32 tokens still 4 px or more a cell (the Zoom makes them bigger)


def test_zoom_makes_the_cells_bigger_and_puts_the_table_below(page, app_url):
    page.goto(f"{app_url}/attention?model=tiny-stories&prompt={LONG.replace(' ', '+')}&att_zoom=true")
    wait_for_app_idle(page, 90_000)
    b = boxes(page)
    assert b["heat"]["w"] >= 24 * 32 and b["table"]["y"] > b["heat"]["y"] + b["heat"]["h"], b


def pixel(page, x: float, y: float) -> tuple[int, int, int]:
    shot = Image.open(io.BytesIO(page.screenshot(clip={"x": x, "y": y, "width": 1, "height": 1}))).convert("RGB")
    return shot.getpixel((0, 0))


def ramp(colours, t: float) -> tuple[int, int, int]:
    """viz.palette's colours as the charts run along them: straight lines between evenly spaced stops."""
    stops = [hex_rgb(c) for c in colours]
    x = min(max(t, 0.0), 1.0) * (len(stops) - 1)
    i = min(int(x), len(stops) - 2)
    return tuple(round(a + (b - a) * (x - i)) for a, b in zip(stops[i], stops[i + 1]))


def close(a, b, tol=3) -> bool:
    return all(abs(p - q) <= tol for p, q in zip(a, b))


def test_one_palette_colours_the_vega_and_the_canvas_charts(page, app_url):
    """The colours on screen are viz.palette's, with one meaning: a Vega heatmap's cells (read from
    its SVG) and a canvas heatmap's pixels, for values computed here from the model itself."""
    from model.checkpoint import load_checkpoint

    bundle = load_checkpoint(ROOT / "sample_checkpoints" / "statquest-decoder")
    trace = bundle.run("what is statquest")
    # Vega: the explorer's formula (sines and cosines of 32 positions, 2 dimensions) on the signed
    # scale around 0; each cell's exact value is in its tooltip, "value: 0.841471"
    page.goto(f"{app_url}/positional?model=statquest-decoder&prompt=what+is+statquest&pe_explore=true")
    wait_for_app_idle(page, 90_000)
    chart = page.locator("[data-testid='stVegaLiteChart']", has_text="The formula:")
    chart.scroll_into_view_if_needed()
    cells = chart.evaluate("""c => [...c.querySelectorAll('path[role=graphics-symbol]')]
        .map(p => [/value: ([-\u2212]?[0-9.]+)/.exec(p.getAttribute('aria-label') || ''), p.getAttribute('fill')])
        .filter(([m, fill]) => m && fill.startsWith('rgb')).map(([m, fill]) => [Number(m[1].replace('\u2212', '-')), fill])""")  # Vega writes a minus sign
    assert len(cells) == 64, len(cells)  # 32 positions x 2 dimensions
    bound = max(abs(v) for v, _ in cells)
    for value, fill in cells:
        rgb = tuple(int(v) for v in fill[4:-1].split(","))
        assert close(rgb, ramp(REDBLUE, (value + bound) / (2 * bound))), (value, rgb)
        if value == bound:
            assert close(rgb, hex_rgb(REDBLUE[-1]))  # the largest: the darkest blue, as everywhere
        if value < -0.9 * bound:
            assert rgb[0] > 90 > rgb[2]  # opposite: red
    assert chart.locator("text", has_text="red: negative, blue: positive").count() == 1
    # canvas: the causal-mask page's scores, q·k ÷ √d of layer 1, on the same scale
    scores = trace.at("blocks.0.attn", "scaled")[0].numpy()
    page.goto(f"{app_url}/mask?model=statquest-decoder&prompt=what+is+statquest")
    wait_for_app_idle(page, 90_000)
    panel = page.locator(".al-heatmap", has_text="2. Scores").locator("canvas.al-cells")
    box = panel.bounding_box()
    c = box["width"] / 4
    bound = abs(scores).max()
    for i in range(4):
        for j in range(4):
            got = pixel(page, box["x"] + j * c + 3, box["y"] + i * c + 3)  # a corner, away from the printed number
            assert close(got, ramp(REDBLUE, (scores[i, j] + bound) / (2 * bound))), (i, j, got)
    assert "red: negative, blue: positive" in page.locator(".al-heatmap", has_text="2. Scores").inner_text()
    # canvas and Vega percentages: the attention of word 0 to itself is 100%, the palette's darkest blue
    attention = page.locator(".al-heatmap", has_text="4. Softmax").locator("canvas.al-cells").bounding_box()
    assert close(pixel(page, attention["x"] + 3, attention["y"] + 3), hex_rgb(BLUES[-1]))


def saved(page, button) -> tuple[str, bytes]:
    button.scroll_into_view_if_needed()
    with page.expect_download() as download:
        button.click()
    path = download.value.path()
    return download.value.suggested_filename, open(path, "rb").read()


@pytest.mark.parametrize("where, chart", [
    ("attention?model=tiny-stories", ".al-heatmap"),  # the canvas heatmap
    ("attention?model=tiny-stories", ".al-grid"),  # the grid of heads
    ("mask?model=statquest-decoder", ".al-heatmap"),  # a causal-mask stage
    ("positional?model=statquest-decoder", "vega"),  # a Vega chart
])
def test_every_kind_of_chart_saves_a_png_and_an_svg(page, app_url, where, chart):
    page.goto(f"{app_url}/{where}")
    wait_for_app_idle(page, 90_000)
    if chart == "vega":
        bar = page.locator("[data-testid='stElementContainer']", has=page.locator(".al-export")).first
    elif chart == ".al-grid":
        bar = page.locator(".al-grid").locator("xpath=..")
    else:
        bar = page.locator(chart).first
    name, png = saved(page, bar.locator(".al-export-button", has_text="PNG").first)
    assert name.endswith(".png") and png.startswith(b"\x89PNG")
    picture = Image.open(io.BytesIO(png))
    assert picture.width > 100 and picture.height > 100 and picture.convert("RGB").getcolors(8) is None  # not blank: more than 8 colours
    name, svg = saved(page, bar.locator(".al-export-button", has_text="SVG").first)
    root = ET.fromstring(svg)  # well-formed
    assert name.endswith(".svg") and root.tag.endswith("svg") and len(list(root.iter())) > 20
    assert b"url(http" not in svg  # gradients point inside the file
    assert not page.errors, page.errors


def test_generated_words_are_part_of_the_link(page, app_url, browser):
    page.goto(f"{app_url}/next?model=statquest-decoder&prompt=what+is+statquest")
    wait_for_app_idle(page, 90_000)
    page.get_by_role("button", name="Generate next word").click()  # "awesome", id 3
    page.wait_for_function("() => new URLSearchParams(location.search).get('gen') === '3'", timeout=30_000)
    link = page.url.replace("/next", "/attention")
    other = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    other.goto(link)
    wait_for_app_idle(other, 90_000)
    assert "Step by step for query word 4: awesome" in other.locator("[data-testid='stMain']").inner_text()
    other.goto(f"{app_url}/attention?model=statquest-decoder&gen=7,x,99999999999")  # never fails the app
    wait_for_app_idle(other, 90_000)
    assert other.get_by_test_id("stException").count() == 0
    assert "are not token ids of this model" in other.locator("[data-testid='stSidebar']").inner_text()
    other.context.close()


def test_the_grid_says_what_a_click_showed_above(page, app_url):
    page.goto(f"{app_url}/attention?model=tiny-stories")
    wait_for_app_idle(page, 90_000)
    page.locator(".al-panel").nth(10).click()  # layer 2, head 3
    toast = page.get_by_test_id("stToast")
    toast.wait_for(timeout=30_000)
    assert "Masked self-attention, layer 2, head 3" in toast.inner_text()



def label_boxes(page, nth: int) -> list[dict]:
    """The text marks (not the axes) of the page's nth Vega chart, as the browser drew them."""
    return page.evaluate("""(nth) => {
      const svg = document.querySelectorAll('[data-testid=stVegaLiteChart] svg')[nth];
      return Array.from(svg.querySelectorAll('g.mark-text text')).map(t => {
        const r = t.getBoundingClientRect();
        return {text: t.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom};
      }).filter(b => b.text && b.x1 > b.x0);
    }""", nth)


def crossing(boxes: list[dict], pad: float = 1.0) -> list[tuple[str, str]]:
    return [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > pad and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > pad]


@pytest.mark.parametrize("where, nth, words", [
    ("embeddings?model=statquest-translator&prompt=let%27s+go", 0, {"let's", "<EOS>", "0: let's", "2: <EOS>"}),
    ("embeddings?model=statquest-decoder&prompt=what+is+statquest", 0, {"statquest", "awesome", "3: <EOS>"}),
    ("positional?model=statquest-decoder&prompt=what+is+statquest", 0, {"0: what", "0.84", "−0.99"}),
    ("positional?model=tiny-stories&prompt=the+pizza+came+out+of+the+oven+and+it+tasted+good", 0, {"10: good"}),
])
def test_no_label_is_drawn_over_another(page, app_url, where, nth, words):
    """The plane's words and arrows and the squiggles' values and words, where the browser put them."""
    page.goto(f"{app_url}/{where}")
    wait_for_app_idle(page, 90_000)
    drawn = label_boxes(page, nth)
    assert words <= {b["text"] for b in drawn}
    assert crossing(drawn) == []


@pytest.mark.parametrize("where", [
    "attention?model=statquest-decoder",
    "attention?model=statquest-translator&layer=Decoder+masked+self-attention,+layer+1",
    "attention?model=statquest-translator&layer=Encoder-decoder+attention,+layer+1",
    "mask?model=statquest-translator",
    "compare?model=statquest-translator",
])
def test_every_picker_shows_its_choice_whole(page, app_url, where):
    """An equal share of the Attention page's row of pickers cut "Masked self-attention, layer 1" to "..., layer"."""
    page.goto(f"{app_url}/{where}")
    wait_for_app_idle(page, 90_000)
    cut = page.evaluate("""() => Array.from(document.querySelectorAll('[data-testid=stSelectbox] input'))
      .filter(i => i.scrollWidth > i.clientWidth).map(i => i.value)""")
    assert cut == []


def heatmap_labels(page) -> list[dict]:
    """The heatmap's written labels (not those hidden for want of room), as the text itself takes
    room: a label's box is only its row's height, its text may be taller."""
    return page.evaluate("""() => [...document.querySelectorAll('.al-heatmap .al-row, .al-heatmap .al-col')]
      .filter(e => e.textContent && getComputedStyle(e).visibility !== 'hidden')
      .map(e => { const range = document.createRange(); range.selectNodeContents(e); const r = range.getBoundingClientRect();
                  return {text: e.textContent, row: e.classList.contains('al-row'), x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; })""")


def test_a_64_token_heatmap_writes_only_labels_that_fit(page, app_url):
    """64 tokens are drawn whole in 4-px cells beside the table: every second label is written,
    counted back from the newest word, and none is drawn over another."""
    prompt = " ".join((LONG + " " + LONG).split()[:64])
    page.goto(f"{app_url}/attention?model=tiny-stories&prompt={prompt.replace(' ', '+')}")
    wait_for_app_idle(page, 90_000)
    assert page.locator(".al-heatmap").count() == 1  # whole: no window, so no overview
    drawn = heatmap_labels(page)
    rows, cols = [b for b in drawn if b["row"]], [b for b in drawn if not b["row"]]
    assert 25 <= len(rows) <= 40 and 25 <= len(cols) <= 40, (len(rows), len(cols))
    assert rows[-1]["text"].startswith("63: ") and cols[-1]["text"].startswith("63: ")  # the newest word keeps its label
    assert crossing(rows) == [] and crossing(cols) == []


def test_typing_keeps_the_next_word_chart_and_retitles_it_from_its_data(page, app_url):
    """The chart's title names the prompt's last word and its axis ends past the longest bar; both
    come with the data, so typing swaps the data of the chart the browser already has."""
    page.goto(f"{app_url}/next?model=tiny-stories&prompt=the+cat+sat+on+the")
    wait_for_app_idle(page, 60_000)
    chart = page.locator("[data-testid=stVegaLiteChart]", has_text="The next word after position")
    chart.locator("svg, canvas").first.evaluate("e => { e.dataset.mark = 'kept'; }")
    box = page.get_by_role("textbox", name="Prompt", exact=True)
    box.press("End")
    box.press_sequentially(" park", delay=20)
    wait_for_app_idle(page, 60_000)
    titles = chart.locator("text").all_text_contents()
    assert "The next word after position 5: park" in titles, [t for t in titles if "position" in t]
    assert chart.locator("svg, canvas").first.evaluate("e => e.dataset.mark") == "kept"
    ticks = [t for t in titles if t.endswith("%")]
    assert ticks and float(ticks[0][:-1]) == 0 and float(ticks[-1][:-1]) <= 100, ticks  # the probability axis, from 0
    assert not page.errors, page.errors
