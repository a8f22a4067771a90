// The canvas components' SVG export (export.js): escaped text, file names, and a heatmap's cells
// as rects in the palette's colours, the chosen row outlined.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fileName, gridSvg, heatmapSvg, xml } from "../../app_pages/components/export.js";

const COLOURS = { blues: ["#ffffff", "#000000"], redblue: ["#ff0000", "#ffffff", "#0000ff"], masked: "#e2e2e2", masked_line: "#c8c8c8" };

test("xml escapes markup from the prompt", () => {
  assert.equal(xml('<b a="1">&\''), "&#60;b a=&#34;1&#34;&#62;&#38;&#39;");
});

test("fileName keeps letters and digits of the title", () => {
  assert.equal(fileName("Masked self-attention, layer 1, head 2", "svg"), "masked-self-attention-layer-1-head-2.svg");
  assert.equal(fileName("<>", "png"), "chart.png");
});

test("heatmapSvg draws a rect per cell in the ramp's colours, hidden cells grey", () => {
  const d = {
    title: "t <i>", key_title: "key", query_title: "query", value_title: "score", rows: ["0: a", "1: b"], cols: ["0: a", "1: b"],
    values: [-2, null, 0, 2], masked: [false, true, false, false], cell: 30, row_font: 11, printed: false, chosen: 1,
    highlight: "#ff4b4b", scheme: "redblue", value_min: -2, value_max: 2, legend_means: "red = negative, blue = positive", colours: COLOURS,
  };
  const svg = heatmapSvg(d);
  assert.ok(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  const fills = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="30" height="30" fill="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(fills, ["rgb(255,0,0)", "rgb(226,226,226)", "rgb(255,255,255)", "rgb(0,0,255)"]); // -2 red, hidden, 0 white, 2 blue
  assert.ok(svg.includes("t &#60;i&#62;") && !svg.includes("<i>"));
  assert.ok(svg.includes('stroke="#ff4b4b"')); // the chosen row
  assert.ok(svg.includes("(red = negative, blue = positive)"));
});

test("gridSvg paints each panel's levels with the grid's palette", () => {
  const palette = new Array(256 * 3).fill(0);
  palette.splice(3, 3, 10, 20, 30); // level 1
  const d = { rows: ["layer 1"], cols: ["head 1"], panel_px: 40, highlight: "#ff4b4b", palette,
    panels: [{ row: 0, col: 0, module: "m", head: 0, title: "", pixels: "", shape: [2, 2], selected: true }] };
  const svg = gridSvg(d, [Uint8Array.from([0, 1, 1, 0])]);
  const fills = [...svg.matchAll(/width="20.00" height="20.00" fill="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(fills, ["rgb(0,0,0)", "rgb(10,20,30)", "rgb(10,20,30)", "rgb(0,0,0)"]);
  assert.ok(svg.includes('stroke="#ff4b4b"'));
});

test("a Vega drawing's gradient links point inside the saved file", async () => {
  const { localUrls } = await import("../../app_pages/components/chart_export.js");
  assert.equal(localUrls('fill="url(http://127.0.0.1:8501/positional?x=1#gradient_3)"'), 'fill="url(#gradient_3)"');
  assert.equal(localUrls("fill=\"url('http://h/p#g')\" stroke=\"url(#k)\""), "fill=\"url('#g')\" stroke=\"url(#k)\"");
});
