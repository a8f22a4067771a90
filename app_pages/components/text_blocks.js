// Blocks of text in one component: headings, lines of text with inline code, notes, code boxes and
// plain HTML tables (the attention page's step-by-step column: one row per key word, one column
// per step of the lesson; the overview's tokens, answer and parameters).
//
// Why not st.markdown, st.code and st.dataframe: each markdown element was parsed and restyled by
// React on every keystroke, and the data grid cost the browser the most; the column as one
// component costs a fraction. On the first page, the data grid and the code block's highlighter
// were megabytes of script a fresh browser had to load first. Every
// text is set as textContent, never as HTML (the key words come from the prompt).
//
// Its data is the TextBlocks dataclass of text_blocks.py, plus the app's palette as `colours`.

import { el, setClass, setText } from "./dom.js";

/**
 * @typedef {object} TextBlock  text_blocks.py's TextBlock
 * @property {"heading"|"line"|"note"|"code"} kind
 * @property {[string, string][]} parts  [style, text]; style "", "code", "strong" or "strong code"
 *
 * @typedef {object} Column  text_blocks.py's Column: a table column's look
 * @property {string} name
 * @property {"text"|"number"|"bar"} kind
 * @property {string} [help]  the header's tooltip
 * @property {number} [digits]  decimals (numbers: 3, bars: 1)
 * @property {boolean} [group]  thousands separators
 * @property {number} [max]  a bar's full length (100)
 * @property {string} [suffix]  after a bar's number
 * @property {boolean} [wrap]  long text may wrap
 *
 * @typedef {object} Table  text_blocks.py's Table
 * @property {"table"} kind
 * @property {Column[]} columns
 * @property {(number|string|null)[][]} rows  numbers raw, null as a blank
 * @property {number} pinned  how many columns stay in view when the table scrolls sideways
 * @property {string} caption  names it for screen readers
 *
 * @typedef {object} TextBlocks  text_blocks.py's TextBlocks
 * @property {(TextBlock|Table)[]} blocks
 * @property {object} colours  the app's palette (heatmap.js's Palette)
 */

/** A number cell's text: `digits` decimals (3 by default), with thousands separators if `group`. */
export function numberText(column, value) {
  const digits = column.digits ?? 3;
  return column.group ? Number(value).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : Number(value).toFixed(digits);
}

/** A bar cell's text (`digits` decimals, 1 by default, then `suffix`) and its bar's width, 0-100%. */
export function barParts(column, value) {
  const text = `${Number(value).toFixed(column.digits ?? 1)}${column.suffix ?? ""}`;
  return { text, width: `${Math.max(0, Math.min(100, (100 * value) / (column.max || 100)))}%` };
}

function cell(td, column, value) {
  if (value === null || value === undefined) { setText(td, ""); return; }
  if (column.kind === "number") {
    setText(td, numberText(column, value));
  } else if (column.kind === "bar") {
    const { text, width } = barParts(column, value);
    let bar = td.firstChild;
    if (!bar || bar.className !== "al-bar") {
      td.replaceChildren();
      bar = el("span", "al-bar", td);
      el("span", "al-bar-fill", bar);
      el("span", "al-bar-text", td);
    }
    if (bar.firstChild.style.width !== width) bar.firstChild.style.width = width;
    setText(td.lastChild, text);
  } else {
    setText(td, String(value));
  }
}

function makeTable() {
  const root = el("div", "al-table-wrap");
  root.tabIndex = 0; // it scrolls: keyboard users can reach it
  root.setAttribute("role", "region");
  el("table", "al-table", root);
  return root;
}

function drawTable(root, data) {
  if (root.getAttribute("aria-label") !== (data.caption || "table")) root.setAttribute("aria-label", data.caption || "table");
  const table = root.firstChild;
  // The caption names the query word, so it changes with the prompt; the header does not.
  const shape = JSON.stringify([data.columns, data.pinned]);
  if (table.dataset.shape !== shape) {
    table.dataset.shape = shape;
    table.replaceChildren();
    el("caption", "al-caption", table);
    const head = el("tr", null, el("thead", null, table));
    data.columns.forEach((c, i) => {
      const th = el("th", c.kind === "text" ? "" : "al-num", head);
      th.scope = "col";
      th.textContent = c.name;
      if (c.help) { th.title = c.help; th.classList.add("al-help"); }
      if (i < data.pinned) th.classList.add("al-pinned");
    });
    el("tbody", null, table);
  }
  setText(table.caption, data.caption || "");
  const body = table.tBodies[0];
  while (body.rows.length > data.rows.length) body.deleteRow(-1);
  data.rows.forEach((values, r) => {
    const tr = body.rows[r] || body.insertRow();
    values.forEach((value, i) => {
      const td = tr.cells[i] || tr.insertCell();
      const column = data.columns[i];
      setClass(td, `${column.kind === "text" ? "" : "al-num"}${i < data.pinned ? " al-pinned" : ""}${column.wrap ? " al-wrap" : ""}`);
      cell(td, column, value);
    });
  });
}

// A paragraph's parts, each a span (or a <code> in a <strong>, as markdown writes **`x`**);
// spans are reused while the styles stay the same, so a keystroke only swaps their text.
function drawText(node, parts) {
  const shape = parts.map((p) => p[0]).join("|");
  if (node.dataset.shape !== shape) {
    node.dataset.shape = shape;
    node.replaceChildren();
    for (const [style] of parts) {
      const outer = style.includes("strong") ? el("strong", null, node) : null;
      if (style.includes("code")) el("code", null, outer || node);
      else if (!outer) el("span", null, node);
    }
  }
  parts.forEach(([, text], i) => {
    let target = node.childNodes[i];
    if (target.firstChild && target.firstChild.nodeType === 1) target = target.firstChild; // <strong><code>
    setText(target, text);
  });
}

const MAKE = {
  heading: () => el("h5", "al-heading"),
  line: () => el("p", "al-line"),
  note: () => el("p", "al-note"),
  code: () => el("pre", "al-code"),
  table: makeTable,
};

export default function (component) {
  const { data, parentElement } = component;
  const root = parentElement.querySelector(".al-steps") || el("div", "al-steps", parentElement);
  const blocks = data.blocks || [];
  while (root.children.length > blocks.length) root.lastChild.remove();
  blocks.forEach((block, i) => {
    let node = root.children[i];
    if (!node || node.dataset.kind !== block.kind) {
      const fresh = MAKE[block.kind]();
      fresh.dataset.kind = block.kind;
      if (node) root.replaceChild(fresh, node); else root.appendChild(fresh);
      node = fresh;
    }
    if (block.kind === "table") drawTable(node, block); else drawText(node, block.parts);
  });
}
