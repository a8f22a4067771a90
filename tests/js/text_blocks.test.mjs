// The tables' number formatting, and the shared helpers' write-only-what-differs rule.
import assert from "node:assert/strict";
import { test } from "node:test";

import { setStyle, setText } from "../../app_pages/components/dom.js";
import { barParts, numberText } from "../../app_pages/components/text_blocks.js";

test("numberText: 3 decimals by default, thousands separators when grouped", () => {
  assert.equal(numberText({}, 0.12345), "0.123");
  assert.equal(numberText({ digits: 1 }, -2.25), "-2.3"); // an exact half rounds away from 0
  assert.equal(numberText({ digits: 0, group: true }, 1234567), "1,234,567");
  assert.equal(numberText({ digits: 2, group: true }, 1234.5), "1,234.50");
});

test("barParts: the number with its suffix, and a width clamped to 0-100%", () => {
  assert.deepEqual(barParts({ suffix: "%" }, 42.26), { text: "42.3%", width: "42.26%" });
  assert.deepEqual(barParts({ max: 50, digits: 0 }, 25), { text: "25", width: "50%" });
  assert.equal(barParts({}, 130).width, "100%");
  assert.equal(barParts({}, -4).width, "0%");
});

test("setText and setStyle write only a value that differs", () => {
  const writes = [];
  const node = {
    _text: "a",
    get textContent() { return this._text; },
    set textContent(v) { writes.push(v); this._text = v; },
    style: { width: "1px" },
  };
  setText(node, "a");
  setText(node, "b");
  assert.deepEqual(writes, ["b"]);
  setStyle(node, "width", "2px");
  assert.equal(node.style.width, "2px");
});
