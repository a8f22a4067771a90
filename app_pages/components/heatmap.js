// The attention heatmap, drawn on a canvas: rows are queries, columns keys, in token order.
//
// Why a canvas and not a Vega chart: Vega re-created every mark of the heatmap on each
// keystroke (a 32 x 32 heatmap took as long as the rest of the page together); a canvas
// repaints 1,024 cells in about a millisecond. Labels stay DOM text (readable, selectable,
// findable by tests), and every string from the prompt is set as textContent, never as HTML.
//
// Its data is the Heatmap dataclass of heatmap.py (filled by viz.attention.heatmap_data and
// overview_data, viz.mask.mask_data and change_data), plus the app's palette as `colours`.
// A click on a cell sends the trigger "pick" with that row's query position.

import { drawCells, drawLabels, drawLegend, drawNotes, isMasked, maskReason } from "./heatmap_draw.js";
import { el, setText } from "./dom.js";
import { exportButtons, heatmapSvg } from "./export.js";

/**
 * @typedef {object} TipExtra
 * @property {string} title
 * @property {(number|string|null)[]} values  row-major, as Heatmap.values (a string is shown as it is)
 * @property {number} digits
 *
 * @typedef {object} Heatmap  heatmap.py's Heatmap (cells row-major: rows are queries, columns keys)
 * @property {string} title
 * @property {string} key_title
 * @property {string} query_title
 * @property {string} value_title
 * @property {string[]} rows  row labels
 * @property {string[]} cols  column labels
 * @property {number[]} row_pos  each row's query position (what a click reports)
 * @property {number[]} col_pos
 * @property {(number|null)[]} values  null: no cell, or with `masked` a -∞ cell
 * @property {number} value_max
 * @property {"linear"|"sqrt"} scale
 * @property {number} cell  px
 * @property {number} [cell_w]  px of a column, where cells are not square (default: `cell`)
 * @property {number} row_font  px
 * @property {number} col_font  px
 * @property {boolean} printed  numbers printed in the cells
 * @property {number} chosen  the outlined row, or -1
 * @property {string} highlight
 * @property {number} window  a local layer's window, 0 if none
 * @property {import("./colour.js").Palette} colours
 * @property {(number|null)[]} [exact]  full precision, for the tooltip
 * @property {boolean} [exact_is_values]  the tooltip's exact numbers are `values` (sent once)
 * @property {boolean[]} [masked]  cells the causal mask hides
 * @property {string[]} notes  captions under the heatmap
 * @property {string[]} [tip_names]
 * @property {string} [exact_title]
 * @property {number} [exact_digits]
 * @property {{r0: number, r1: number, c0: number, c1: number}} [box]  in cells: the window, outlined
 * @property {"redblue"} [scheme]  else the blues
 * @property {number} [value_min]  default 0
 * @property {string[]} [texts]  row-major strings printed in the cells
 * @property {boolean} [row_labels]  false: none
 * @property {string} [masked_fill]  a solid colour for -∞ instead of the hatch
 * @property {"swatch"} [legend]  one swatch, no ramp
 * @property {string} [legend_lo]
 * @property {string} [legend_hi]
 * @property {string} [legend_means]  what the colours mean ("red = negative, blue = positive")
 * @property {string} [mask_text]
 * @property {TipExtra[]} [tip_extra]
 * @property {number[]} [pick_values]  row-major: what a click on each cell reports (default: its row's position)
 */

/** The [row, col] under a point (x, y) px from the top left corner of a width x height drawing
 * of nRows x nCols cells; null outside it. */
export function cellAt(x, y, width, height, nRows, nCols) {
  const [i, j] = [Math.floor((y / height) * nRows), Math.floor((x / width) * nCols)];
  return i >= 0 && j >= 0 && i < nRows && j < nCols ? [i, j] : null;
}

function build(parent) {
  const root = el("div", "al-heatmap", parent);
  root.setAttribute("role", "figure");
  root.dataset.testid = "attentionHeatmap";
  el("div", "al-title", root);
  const body = el("div", "al-body", root);
  el("div", "al-ytitle", body);
  el("div", "al-rows", body);
  const plot = el("div", "al-plot", body);
  const cells = el("canvas", "al-cells", plot);
  cells.setAttribute("role", "img");
  el("div", "al-hover", plot).hidden = true;
  el("div", "al-cols", body);
  el("div", "al-xtitle", body);
  const legend = el("div", "al-legend", root);
  el("span", "al-legend-title", legend);
  const scale = el("span", "al-legend-scale", legend); // kept on one line when the legend wraps
  el("span", "al-legend-swatch", scale).hidden = true;
  el("span", "al-legend-lo", scale);
  el("canvas", "al-ramp", scale);
  el("span", "al-legend-hi", scale);
  el("span", "al-legend-means", legend);
  const mask = el("span", "al-legend-mask", legend);
  el("span", "al-mask-swatch", mask);
  el("span", "al-mask-text", mask);
  exportButtons(root, () => [heatmapSvg(root._data), root._data.title]);
  const tip = el("div", "al-tip", root); // position: fixed, so it may leave the chart's box
  tip.hidden = true;

  const canvas = plot.querySelector(".al-cells");
  const cellUnder = (event) => {
    const d = root._data;
    const box = canvas.getBoundingClientRect(); // its drawn size, should CSS ever scale it
    const hit = cellAt(event.clientX - box.left, event.clientY - box.top, box.width, box.height, d.rows.length, d.cols.length);
    const k = hit ? hit[0] * d.cols.length + hit[1] : -1;
    return hit && (d.values[k] !== null || isMasked(d, k)) ? hit : null;
  };
  // The tooltip and the outline of one cell: under the mouse, or the keyboard's cell.
  const show = (i, j, clientX, clientY) => {
    const d = root._data;
    const hover = plot.querySelector(".al-hover");
    const k = i * d.cols.length + j;
    const [rowName, colName] = d.tip_names || ["query", "key"];
    const v = d.values[k];
    const lines = [[rowName, d.rows[i]], [colName, d.cols[j]], [d.value_title, v === null ? "-∞" : v.toFixed(3)]];
    const exact = d.exact_is_values ? d.values : d.exact;
    if (exact && exact[k] !== null) lines.push([d.exact_title || "weight (exact)", exact[k].toFixed(d.exact_digits ?? 8)]);
    for (const extra of d.tip_extra || []) { // more numbers of the same cell (the change panel: both percentages)
      const x = extra.values[k]; // a number, or a word (the logit lens's top word)
      if (x !== null) lines.push([extra.title, typeof x === "string" ? x : x.toFixed(extra.digits)]);
    }
    if (isMasked(d, k)) lines.push(maskReason(d, i, j));
    tip.replaceChildren(...lines.map(([name, value]) => {
      const row = el("div");
      el("span", "al-tip-name", row).textContent = name;
      el("span", "al-tip-value", row).textContent = value;
      return row;
    }));
    tip.hidden = false;
    const x = Math.min(clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    const y = Math.min(clientY + 14, window.innerHeight - tip.offsetHeight - 8);
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
    const w = d.cell_w || d.cell;
    Object.assign(hover.style, { left: `${j * w}px`, top: `${i * d.cell}px`, width: `${w}px`, height: `${d.cell}px` });
    hover.hidden = false;
  };
  const hide = () => {
    tip.hidden = true;
    plot.querySelector(".al-hover").hidden = true;
  };
  const pick = (i, j) => {
    const d = root._data;
    if (root._setTriggerValue) root._setTriggerValue("pick", d.pick_values ? d.pick_values[i * d.cols.length + j] : d.row_pos[i]);
  };
  canvas.addEventListener("mousemove", (event) => {
    const hit = cellUnder(event);
    if (hit) show(hit[0], hit[1], event.clientX, event.clientY); else hide();
  });
  canvas.addEventListener("mouseleave", hide);
  canvas.addEventListener("click", (event) => {
    const hit = cellUnder(event);
    if (hit) pick(hit[0], hit[1]);
  });

  // Keyboard: Tab to the cells, arrows move from cell to cell (with the tooltip, which screen
  // readers announce), Enter or Space picks the row's word, Escape hides the tooltip.
  canvas.tabIndex = 0;
  tip.setAttribute("role", "status");
  tip.setAttribute("aria-live", "polite");
  const showFocus = () => {
    const d = root._data;
    const [i, j] = root._focus;
    const box = canvas.getBoundingClientRect();
    show(i, j, box.left + (j + 1) * (box.width / d.cols.length), box.top + (i + 1) * (box.height / d.rows.length));
  };
  canvas.addEventListener("focus", () => {
    const d = root._data;
    if (!root._focus || root._focus[0] >= d.rows.length || root._focus[1] >= d.cols.length) {
      root._focus = [Math.max(d.chosen, 0), 0];
    }
    showFocus();
  });
  canvas.addEventListener("blur", hide);
  canvas.addEventListener("keydown", (event) => {
    const d = root._data;
    if (!root._focus) return;
    let [i, j] = root._focus;
    i = Math.min(i, d.rows.length - 1); // the prompt may have shrunk since the last key
    j = Math.min(j, d.cols.length - 1);
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (event.key in moves) {
      i = Math.min(Math.max(i + moves[event.key][0], 0), d.rows.length - 1);
      j = Math.min(Math.max(j + moves[event.key][1], 0), d.cols.length - 1);
      root._focus = [i, j];
      showFocus();
    } else if (event.key === "Enter" || event.key === " ") {
      pick(i, j);
    } else if (event.key === "Escape") {
      hide();
    } else {
      return;
    }
    event.preventDefault();
  });
  // Browser zoom (a teacher enlarging the page for a projector) changes the pixel ratio, and
  // fires "resize": repaint at the new resolution rather than leave the cells blurred until the
  // next keystroke.
  const onResize = () => {
    if (!root.isConnected) { window.removeEventListener("resize", onResize); return; }
    if (root._ratio !== window.devicePixelRatio) {
      drawCells(root, root._data);
      drawLegend(root, root._data);
    }
  };
  window.addEventListener("resize", onResize);
  return root;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement.querySelector(".al-heatmap") || build(parentElement);
  for (const cls of [".al-tip", ".al-hover"]) { // a tooltip of the old numbers would mislead
    const node = root.querySelector(cls);
    if (!node.hidden) node.hidden = true;
  }
  root.style.setProperty("--al-highlight", data.highlight);
  root._data = data;
  root._setTriggerValue = setTriggerValue;
  setText(root.querySelector(".al-title"), data.title);
  setText(root.querySelector(".al-ytitle"), data.query_title);
  setText(root.querySelector(".al-xtitle"), data.key_title);
  root.setAttribute("aria-label", data.title);
  root.querySelector(".al-cells").setAttribute("aria-label",
    `Attention of ${data.rows.length} query words (rows) to ${data.cols.length} key words (columns). `
    + "Arrow keys move from cell to cell and read its numbers; Enter picks the row's word.");
  drawCells(root, data);
  drawLabels(root, data);
  drawLegend(root, data);
  drawNotes(parentElement, data.notes || []);
}
