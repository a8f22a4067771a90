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

import { el, setAttr, setClass, setStyle, setText } from "./dom.js";

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

// A table of more rows than this keeps in the page only the rows in view (and a few around them):
// the arithmetic of a 1,024-token prompt's last word is 1,024 rows, and laying all of them out
// again held the browser on every keystroke. The data holds every row; scrolling draws them.
export const VIRTUAL_FROM = 200;
const BUFFER = 12; // rows drawn above and below the view, so that a fast scroll shows no gap
const ROW_PX = 29; // a row's height until one is measured (13 px text, 5 px padding, a 1 px border)

/** Rows [first, last) to draw for a view of `viewPx` px scrolled `scrollPx` px down past the header. */
export function visibleRows(scrollPx, viewPx, rowPx, n, buffer = BUFFER) {
  const first = Math.max(0, Math.floor(Math.max(0, scrollPx) / rowPx) - buffer);
  const last = Math.min(n, Math.ceil((Math.max(0, scrollPx) + viewPx) / rowPx) + buffer);
  return { first, last: Math.max(first, last) };
}

/** A cell's text as drawn (a bar's number without its bar), for the widest cell of a column. */
export function cellText(column, value) {
  if (value === null || value === undefined) return "";
  if (column.kind === "number") return numberText(column, value);
  if (column.kind === "bar") return barParts(column, value).text;
  return String(value);
}

/** Each column's longest texts (up to `most` cells' of the greatest length): measured, the widest of them
 * keeps a virtual table's columns from changing width while it scrolls (a header sizes its column anyway). */
export function longestTexts(data, most = 32) {
  return data.columns.map((column, i) => {
    let longest = [""];
    for (const row of data.rows) {
      const text = cellText(column, row[i]);
      if (text.length > longest[0].length) longest = [text];
      else if (text.length === longest[0].length && longest.length < most && !longest.includes(text)) longest.push(text);
    }
    return longest;
  });
}

const BAR_PX = 46; // a bar cell's bar and its margin (text_blocks.css's .al-bar)

// Each column's widest text in px, in the table's font, with a cell's padding (Streamlit's boxes are border-box).
function columnMinWidths(root, data) {
  const measure = root._measure || (root._measure = document.createElement("canvas").getContext("2d"));
  measure.font = getComputedStyle(root.firstChild).font;
  const th = getComputedStyle(root.firstChild.tHead.rows[0].cells[0]);
  const padding = parseFloat(th.paddingLeft) + parseFloat(th.paddingRight) + 1;
  return longestTexts(data).map((texts, i) => Math.ceil(Math.max(...texts.map((t) => measure.measureText(t).width)) + padding)
    + (data.columns[i].kind === "bar" ? BAR_PX : 0));
}

function fillRow(tr, values, data) {
  values.forEach((value, i) => {
    const td = tr.cells[i] || tr.insertCell();
    const column = data.columns[i];
    setClass(td, `${column.kind === "text" ? "" : "al-num"}${i < data.pinned ? " al-pinned" : ""}${column.wrap ? " al-wrap" : ""}`);
    cell(td, column, value);
  });
}

function spacer(body, index, cols) {
  const tr = body.insertRow(index);
  tr.className = "al-spacer";
  tr.setAttribute("aria-hidden", "true");
  const td = tr.insertCell();
  td.colSpan = cols;
  return tr;
}

// The rows in view of a virtual table: a spacer row above and below stands for the rest.
function drawVisibleRows(root) {
  const data = root._data;
  const table = root.firstChild;
  const body = table.tBodies[0];
  const n = data.rows.length;
  if (body.rows.length < 2 || body.rows[0].className !== "al-spacer") {
    body.replaceChildren();
    spacer(body, 0, data.columns.length);
    spacer(body, 1, data.columns.length);
  }
  const head = table.tHead ? table.tHead.offsetHeight : 0;
  // the view's height is the wrap's max-height: before the rows are drawn the wrap is only as tall as its header
  const view = parseFloat(getComputedStyle(root).maxHeight) || 600;
  const { first, last } = visibleRows(root.scrollTop - head, view, root._rowPx || ROW_PX, n);
  while (body.rows.length - 2 > last - first) body.deleteRow(body.rows.length - 2);
  for (let r = first; r < last; r++) {
    const tr = body.rows[r - first + 1].className === "al-spacer" ? body.insertRow(r - first + 1) : body.rows[r - first + 1];
    tr.setAttribute("aria-rowindex", String(r + 2));
    fillRow(tr, data.rows[r], data);
  }
  if (!root._rowPx && last > first) root._rowPx = body.rows[1].getBoundingClientRect().height || ROW_PX;
  const rowPx = root._rowPx || ROW_PX;
  setStyle(body.rows[0].cells[0], "height", `${first * rowPx}px`);
  setStyle(body.rows[body.rows.length - 1].cells[0], "height", `${(n - last) * rowPx}px`);
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
  root._data = data;
  const virtual = data.rows.length > VIRTUAL_FROM && !data.columns.some((c) => c.wrap); // wrapped rows differ in height
  const widths = virtual ? columnMinWidths(root, data) : null;
  table.tHead.rows[0].querySelectorAll("th").forEach((th, i) => setStyle(th, "minWidth", widths ? `${widths[i]}px` : ""));
  if (virtual) setAttr(table, "aria-rowcount", String(data.rows.length + 1)); else table.removeAttribute("aria-rowcount");
  if (virtual) {
    if (!root._onScroll) {
      root._onScroll = () => {
        if (!root._frame) root._frame = requestAnimationFrame(() => { root._frame = 0; if (root._virtual) drawVisibleRows(root); });
      };
      root.addEventListener("scroll", root._onScroll, { passive: true });
    }
    root._virtual = true;
    drawVisibleRows(root);
    return;
  }
  if (root._virtual) { root._virtual = false; body.replaceChildren(); }
  while (body.rows.length > data.rows.length) body.deleteRow(-1);
  data.rows.forEach((values, r) => fillRow(body.rows[r] || body.insertRow(), values, data));
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
