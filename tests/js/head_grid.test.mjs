// The grid's layout maths: where each panel's cell and picture sit on its one canvas.
import assert from "node:assert/strict";
import { test } from "node:test";

import { deflateSync } from "node:zlib";

import { canvasSize, inflate, levelsOf, origin, paletteWords, placement } from "../../app_pages/components/head_grid.js";

test("origin puts cells 8 px apart", () => {
  assert.deepEqual(origin(0, 0, 90), { x: 0, y: 0 });
  assert.deepEqual(origin(2, 3, 90), { x: 3 * 98, y: 2 * 98 });
});

test("canvasSize holds every cell and no gap after the last", () => {
  assert.deepEqual(canvasSize(4, 8, 90), { w: 8 * 90 + 7 * 8, h: 4 * 90 + 3 * 8 });
  assert.deepEqual(canvasSize(1, 1, 120), { w: 120, h: 120 });
});

test("placement fills a square picture's cell and centres a wide one", () => {
  assert.deepEqual(placement({ row: 1, col: 2, shape: [5, 5] }, 90), { x: 196, y: 98, w: 90, h: 90 });
  // 3 rows x 6 columns at 90 px: 15 px a cell, 90 x 45, centred with 22 px above
  assert.deepEqual(placement({ row: 0, col: 0, shape: [3, 6] }, 90), { x: 0, y: 22, w: 90, h: 45 });
  assert.deepEqual(placement({ row: 0, col: 1, shape: [0, 0] }, 90), { x: 98 + 45, y: 45, w: 0, h: 0 });
});

test("paletteWords packs each level's r, g, b and full alpha in the canvas's byte order", () => {
  const palette = Array.from({ length: 256 * 3 }, (_, i) => i % 256);
  const bytes = new Uint8ClampedArray(paletteWords(palette).buffer);
  assert.deepEqual([...bytes.slice(0, 8)], [0, 1, 2, 255, 3, 4, 5, 255]);
  assert.deepEqual([...bytes.slice(4 * 255, 4 * 256)], [253, 254, 255, 255]); // 765 % 256, ...
});

test("inflate: a picture's pixels as the server deflates them (zlib, base64) back to one level a cell", async () => {
  const levels = Uint8Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? 255 : i % 3));
  const pixels = deflateSync(levels, { level: 1 }).toString("base64");
  assert.deepEqual(await inflate(pixels), levels);
});

test("levelsOf inflates each picture once while the grid shows it", async () => {
  const root = {};
  const a = { pixels: deflateSync(Uint8Array.from([1, 2])).toString("base64") };
  const b = { pixels: deflateSync(Uint8Array.from([3])).toString("base64") };
  const [first] = await levelsOf(root, [a]);
  const kept = root._levels.get(a.pixels);
  const [again, other] = await levelsOf(root, [a, b]);
  assert.equal(root._levels.get(a.pixels), kept); // the same promise: not inflated twice
  assert.deepEqual([...first], [1, 2]);
  assert.equal(again, first);
  assert.deepEqual([...other], [3]);
  await levelsOf(root, [b]);
  assert.ok(!root._levels.has(a.pixels)); // a picture the grid no longer shows is let go
});
