// The tables' number formatting, and the shared helpers' write-only-what-differs rule.
import assert from "node:assert/strict";
import { test } from "node:test";

import { setStyle, setText } from "../../app_pages/components/dom.js";
import { barParts, cellText, longestTexts, numberText, visibleRows } from "../../app_pages/components/text_blocks.js";

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

test("visibleRows: the rows in view and a buffer around them, inside the table", () => {
  assert.deepEqual(visibleRows(0, 600, 30, 1024, 10), { first: 0, last: 30 });
  assert.deepEqual(visibleRows(3000, 600, 30, 1024, 10), { first: 90, last: 130 });
  assert.deepEqual(visibleRows(30 * 1020, 600, 30, 1024, 10), { first: 1010, last: 1024 });
  assert.deepEqual(visibleRows(-40, 600, 30, 5, 10), { first: 0, last: 5 }); // above the first row: the header
});

test("longestTexts: each column's longest cells as drawn", () => {
  const data = {
    columns: [{ name: "key word", kind: "text" }, { name: "q·k", kind: "number", digits: 2 }, { name: "softmax %", kind: "bar", suffix: "%" }],
    rows: [["0: the", 1.5, 12.34], ["1023: ␣cat", -10.25, 100], ["2: a", null, 0]],
  };
  assert.deepEqual(longestTexts(data), [["1023: ␣cat"], ["-10.25"], ["100.0%"]]);
  assert.deepEqual(longestTexts({ columns: [{ name: "w", kind: "text" }], rows: [["ab"], ["cd"], ["ab"], ["e"]] }), [["ab", "cd"]]);
  assert.equal(cellText(data.columns[1], null), "");
});
