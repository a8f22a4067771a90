// The heatmap's pure functions: colour scale, where a value sits on it, which cell a point is in.
import assert from "node:assert/strict";
import { test } from "node:test";

import { hexRgb, inkOn, position, rampOf, rampRgb } from "../../app_pages/components/colour.js";
import { cellAt } from "../../app_pages/components/heatmap.js";

const RAMP = [[0, 0, 0], [100, 200, 50], [200, 0, 255]];

test("hexRgb reads #rrggbb", () => {
  assert.deepEqual(hexRgb("#0a4a90"), [10, 74, 144]);
  assert.deepEqual(hexRgb("#cfe1f2"), [207, 225, 242]);
});

test("rampRgb runs linearly between stops, clamped at both ends", () => {
  assert.deepEqual(rampRgb(RAMP, 0), [0, 0, 0]);
  assert.deepEqual(rampRgb(RAMP, 1), [200, 0, 255]);
  assert.deepEqual(rampRgb(RAMP, 0.5), [100, 200, 50]); // exactly the middle stop
  assert.deepEqual(rampRgb(RAMP, 0.25), [50, 100, 25]); // halfway to it
  assert.deepEqual(rampRgb(RAMP, 0.75), [150, 100, 153]); // (50 + 255) / 2 = 152.5 rounds up
  assert.deepEqual(rampRgb(RAMP, -3), [0, 0, 0]);
  assert.deepEqual(rampRgb(RAMP, 7), [200, 0, 255]);
});

test("rampOf takes the palette's blues, or its redblue for a scores panel", () => {
  const colours = { blues: ["#000000", "#ffffff"], redblue: ["#ff0000", "#0000ff"] };
  assert.deepEqual(rampOf({ colours }), [[0, 0, 0], [255, 255, 255]]);
  assert.deepEqual(rampOf({ colours, scheme: "redblue" }), [[255, 0, 0], [0, 0, 255]]);
});

test("position maps value_min..value_max to 0..1, sqrt spreading small values", () => {
  assert.equal(position({ value_max: 100, scale: "linear" }, 25), 0.25);
  assert.equal(position({ value_max: 100, scale: "sqrt" }, 25), 0.5);
  assert.equal(position({ value_min: -2, value_max: 2, scale: "linear" }, 0), 0.5); // 0 is the middle of redblue
  assert.equal(position({ value_max: 100, scale: "sqrt" }, -5), 0); // no NaN below the range
});

test("inkOn writes white on dark cells and black on light ones", () => {
  assert.equal(inkOn([10, 74, 144]), "white"); // the blues' darkest
  assert.equal(inkOn([207, 225, 242]), "black"); // the blues' lightest
  assert.equal(inkOn([226, 226, 226]), "black"); // a masked cell
});

test("cellAt finds the row and column under a point, null outside", () => {
  assert.deepEqual(cellAt(0, 0, 100, 50, 5, 10), [0, 0]);
  assert.deepEqual(cellAt(99.9, 49.9, 100, 50, 5, 10), [4, 9]);
  assert.deepEqual(cellAt(35, 12, 100, 50, 5, 10), [1, 3]); // 10 px a cell both ways
  assert.equal(cellAt(100, 10, 100, 50, 5, 10), null);
  assert.equal(cellAt(-1, 10, 100, 50, 5, 10), null);
});

test("labels are thinned only when the cells are smaller than the text", async () => {
  const { labelStep, shownLabels } = await import("../../app_pages/components/heatmap_draw.js");
  assert.equal(labelStep(9, 8), 1);
  assert.equal(labelStep(7, 7), 1);
  assert.equal(labelStep(4, 7), 2);
  assert.equal(labelStep(3, 8), 3);
  // every label fits: all written
  assert.deepEqual(shownLabels(4, 1), [true, true, true, true]);
  // every second, counted back from the last word (the one being typed)
  assert.deepEqual(shownLabels(5, 2), [true, false, true, false, true]);
  assert.deepEqual(shownLabels(6, 2), [false, true, false, true, false, true]);
  // the chosen row is written; its neighbours closer than the step give way
  assert.deepEqual(shownLabels(6, 2, 2), [false, false, true, false, false, true]);
  assert.deepEqual(shownLabels(7, 3, 1), [false, true, false, false, false, false, true]);
  // a chosen row already written changes nothing; no choice (-1) neither
  assert.deepEqual(shownLabels(5, 2, 4), shownLabels(5, 2));
  assert.deepEqual(shownLabels(5, 2, -1), shownLabels(5, 2));
});
