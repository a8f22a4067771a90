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

import { el, setStyle, setText } from "./dom.js";

/**
 * @typedef {object} Palette  viz.palette.palette_data: the app's one palette
 * @property {string[]} blues  Vega's "blues", "#rrggbb", light to dark
 * @property {string[]} redblue  Vega's "redblue", negative (red) to positive (blue)
 * @property {string} masked  a cell the causal mask hides
 * @property {string} masked_line  the hatch across such a cell
 *
 * @typedef {object} TipExtra
 * @property {string} title
 * @property {(number|null)[]} values  row-major, as Heatmap.values
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
 * @property {number} row_font  px
 * @property {number} col_font  px
 * @property {boolean} printed  numbers printed in the cells
 * @property {number} chosen  the outlined row, or -1
 * @property {string} highlight
 * @property {number} window  a local layer's window, 0 if none
 * @property {Palette} colours
 * @property {(number|null)[]} [exact]  full precision, for the tooltip
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
 * @property {string} [mask_text]
 * @property {TipExtra[]} [tip_extra]
 */

const LABEL_LIMIT = 110; // px, as the Vega axes' labelLimit

/** "#rrggbb" -> [r, g, b]. */
export function hexRgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** The colour at t (0..1, clamped) along a ramp of [r, g, b] stops, linearly between stops. */
export function rampRgb(ramp, t) {
  const x = Math.min(Math.max(t, 0), 1) * (ramp.length - 1);
  const i = Math.min(Math.floor(x), ramp.length - 2);
  const f = x - i;
  const [a, b] = [ramp[i], ramp[i + 1]];
  return a.map((v, k) => Math.round(v + (b[k] - v) * f));
}

/** The ramp a heatmap's values run along: the palette's redblue or its blues, as [r, g, b]. */
export function rampOf(d) {
  return (d.scheme === "redblue" ? d.colours.redblue : d.colours.blues).map(hexRgb);
}

const css = (rgb) => `rgb(${rgb.join(",")})`;

/** Where a value sits on the colour ramp, 0..1: from value_min (default 0) to value_max. */
export function position(d, v) {
  const lo = d.value_min || 0;
  const t = (v - lo) / (d.value_max - lo);
  return d.scale === "sqrt" ? Math.sqrt(Math.max(t, 0)) : t;
}

/** Black or white, whichever reads on a cell of colour [r, g, b]. */
export function inkOn([r, g, b]) {
  return 0.299 * r + 0.587 * g + 0.114 * b < 140 ? "white" : "black";
}

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
  const mask = el("span", "al-legend-mask", legend);
  el("span", "al-mask-swatch", mask);
  el("span", "al-mask-text", mask);
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
    if (d.exact && d.exact[k] !== null) lines.push([d.exact_title || "weight (exact)", d.exact[k].toFixed(d.exact_digits ?? 8)]);
    for (const extra of d.tip_extra || []) { // more numbers of the same cell (the change panel: both percentages)
      if (extra.values[k] !== null) lines.push([extra.title, extra.values[k].toFixed(extra.digits)]);
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
    Object.assign(hover.style, { left: `${j * d.cell}px`, top: `${i * d.cell}px`, width: `${d.cell}px`, height: `${d.cell}px` });
    hover.hidden = false;
  };
  const hide = () => {
    tip.hidden = true;
    plot.querySelector(".al-hover").hidden = true;
  };
  const pick = (i) => {
    if (root._setTriggerValue) root._setTriggerValue("pick", root._data.row_pos[i]);
  };
  canvas.addEventListener("mousemove", (event) => {
    const hit = cellUnder(event);
    if (hit) show(hit[0], hit[1], event.clientX, event.clientY); else hide();
  });
  canvas.addEventListener("mouseleave", hide);
  canvas.addEventListener("click", (event) => {
    const hit = cellUnder(event);
    if (hit) pick(hit[0]);
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
      pick(i);
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

function sizeCanvas(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  const [w, h] = [Math.round(width * ratio), Math.round(height * ratio)];
  if (canvas.width !== w || canvas.height !== h) { // a resize clears the canvas and reallocates it
    canvas.width = w;
    canvas.height = h;
  }
  setStyle(canvas, "width", `${width}px`);
  setStyle(canvas, "height", `${height}px`);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

function isMasked(d, k) {
  return Boolean(d.masked && d.masked[k]);
}

// Why a cell is hidden: a later word (the causal mask), or, in a local layer, a word too far back.
function maskReason(d, i, j) {
  if (d.col_pos && d.col_pos[j] > d.row_pos[i]) return ["causal mask", "hidden: a later word (score -∞, so 0%)"];
  if (d.window) {
    return ["local window", `hidden: more than ${d.window - 1} words back; this layer sees only the last ${d.window} words (score -∞, so 0%)`];
  }
  return ["mask", "hidden (score -∞, so 0%)"];
}

function drawCells(root, d) {
  const nr = d.rows.length, nc = d.cols.length, c = d.cell;
  const ramp = rampOf(d);
  root._ratio = window.devicePixelRatio;
  const ctx = sizeCanvas(root.querySelector(".al-cells"), nc * c, nr * c);
  const gap = c >= 18 ? 0.5 : 0; // hairlines of background between big cells
  ctx.clearRect(0, 0, nc * c, nr * c);
  for (let i = 0; i < nr; i++) {
    for (let j = 0; j < nc; j++) {
      const v = d.values[i * nc + j];
      const masked = isMasked(d, i * nc + j);
      if (v === null && !masked) continue; // a hidden score is -∞: no number, drawn as hidden
      ctx.fillStyle = masked ? (d.masked_fill || d.colours.masked) : css(rampRgb(ramp, position(d, v)));
      ctx.fillRect(j * c + gap, i * c + gap, c - 2 * gap, c - 2 * gap);
      if (masked && !d.masked_fill && c >= 9) { // a diagonal stroke, as a hatch: "not allowed", not "weak"
        ctx.strokeStyle = d.colours.masked_line;
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(j * c + gap + 1, (i + 1) * c - gap - 1);
        ctx.lineTo((j + 1) * c - gap - 1, i * c + gap + 1);
        ctx.stroke();
      }
    }
  }
  if (d.printed) {
    ctx.font = `${c >= 28 ? 11 : 9}px sans-serif`; // the mask page's 20-odd px cells take smaller digits
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let i = 0; i < nr; i++) {
      for (let j = 0; j < nc; j++) {
        const k = i * nc + j;
        const v = d.values[k];
        const masked = isMasked(d, k);
        if (d.texts) { // the numbers as the lesson writes them ("0", "-∞", "1.23")
          ctx.fillStyle = inkOn(masked ? hexRgb(d.masked_fill || d.colours.masked) : rampRgb(ramp, position(d, v)));
          ctx.fillText(d.texts[k], j * c + c / 2, i * c + c / 2);
          continue;
        }
        if (v === null || masked) continue;
        ctx.fillStyle = position(d, v) > 0.55 ? "white" : "black"; // readable on the cell's colour
        ctx.fillText(v.toFixed(0), j * c + c / 2, i * c + c / 2);
      }
    }
  }
  if (d.chosen >= 0) {
    ctx.strokeStyle = d.highlight;
    ctx.lineWidth = 2.5;
    ctx.strokeRect(1.25, d.chosen * c + 1.25, nc * c - 2.5, c - 2.5);
  }
  if (d.box) { // the overview: where the window drawn above lies in the whole matrix
    const clip = (v, n) => Math.min(Math.max(v * c, 1), n * c - 1);
    const [x0, x1, y0, y1] = [clip(d.box.c0, nc), clip(d.box.c1, nc), clip(d.box.r0, nr), clip(d.box.r1, nr)];
    ctx.strokeStyle = d.highlight;
    ctx.lineWidth = 2;
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
  }
}

// Label elements are kept from one draw to the next and only what differs is written: on a
// keystroke most labels stay the same, and rebuilding them all made the browser lay out every one.
function labelsIn(parent, n, cls) {
  while (parent.children.length > n) parent.lastChild.remove();
  while (parent.children.length < n) el("div", cls, parent);
  return parent.children;
}

function setLabel(label, text, cls) {
  if (label.className !== cls) label.className = cls;
  if (label.textContent !== text) { label.textContent = text; label.title = text; }
}

function drawLabels(root, d) {
  const c = d.cell;
  const rows = root.querySelector(".al-rows");
  const rowLabelsShown = d.row_labels !== false; // a panel right of one that has them goes without
  for (const node of [rows, root.querySelector(".al-ytitle")]) {
    if (node.hidden === rowLabelsShown) node.hidden = !rowLabelsShown;
  }
  setStyle(rows, "fontSize", `${d.row_font}px`);
  const rowLabels = labelsIn(rows, d.rows.length, "al-row");
  d.rows.forEach((text, i) => {
    const label = rowLabels[i];
    setLabel(label, text, i === d.chosen ? "al-row al-chosen" : "al-row");
    setStyle(label, "height", `${c}px`);
    setStyle(label, "lineHeight", `${c}px`);
  });
  const cols = root.querySelector(".al-cols");
  setStyle(cols, "fontSize", `${d.col_font}px`);
  setStyle(cols, "width", `${d.cols.length * c}px`);
  const measure = root.querySelector(".al-ramp").getContext("2d");
  measure.font = `${d.col_font}px sans-serif`;
  const longest = Math.min(LABEL_LIMIT, Math.max(0, ...d.cols.map((t) => measure.measureText(t).width)));
  // Slanted labels need about 1.5 font sizes between columns; on narrower columns they would
  // overlap, so they stand upright, one column each.
  const upright = c < 1.5 * d.col_font;
  setStyle(cols, "height", `${Math.ceil(longest * (upright ? 1 : Math.SQRT1_2) + d.col_font + 6)}px`);
  const colLabels = labelsIn(cols, d.cols.length, "al-col");
  d.cols.forEach((text, j) => {
    const label = colLabels[j];
    setLabel(label, text, "al-col");
    setStyle(label, "right", `${(d.cols.length - j - 0.5) * c}px`);
    setStyle(label, "transform", upright ? "rotate(-90deg)" : "");
  });
}

function drawLegend(root, d) {
  const width = 120, height = 10;
  const ramp = root.querySelector(".al-ramp");
  const lo = d.value_min || 0;
  const stops = rampOf(d);
  const key = `${stops.join(" ")} ${d.scale} ${lo} ${d.value_max} ${window.devicePixelRatio}`;
  if (ramp.dataset.drawn !== key) { // the same ramp on most keystrokes
    ramp.dataset.drawn = key;
    const ctx = sizeCanvas(ramp, width, height);
    for (let x = 0; x < width; x++) {
      ctx.fillStyle = css(rampRgb(stops, position(d, lo + (x / (width - 1)) * (d.value_max - lo))));
      ctx.fillRect(x, 0, 1, height);
    }
  }
  const swatchOnly = d.legend === "swatch"; // the mask's two values: no ramp, one swatch per value
  if (ramp.hidden !== swatchOnly) ramp.hidden = swatchOnly;
  const swatch = root.querySelector(".al-legend-swatch");
  if (swatch.hidden === swatchOnly) swatch.hidden = !swatchOnly;
  if (swatchOnly) setStyle(swatch, "background", css(rampRgb(stops, position(d, lo))));
  const hi = root.querySelector(".al-legend-hi");
  if (hi.hidden !== swatchOnly) hi.hidden = swatchOnly;
  setText(root.querySelector(".al-legend-title"), d.value_title);
  setText(root.querySelector(".al-legend-lo"), d.legend_lo ?? "0");
  setText(hi, d.legend_hi ?? String(d.value_max));
  const mask = root.querySelector(".al-legend-mask");
  setStyle(root.querySelector(".al-mask-swatch"), "background", d.masked_fill || "");
  root.style.setProperty("--al-masked", d.colours.masked); // the hatched swatch's colours (heatmap.css)
  root.style.setProperty("--al-masked-line", d.colours.masked_line);
  setText(root.querySelector(".al-mask-text"), d.mask_text
    || (d.window ? "hidden by the mask (a later word, or outside the window)" : "hidden by the causal mask"));
  const anyMasked = Boolean(d.masked && d.masked.some(Boolean));
  if (mask.hidden === anyMasked) mask.hidden = !anyMasked;
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

// Captions under the heatmap, styled as st.caption. In the component rather than st.caption
// elements: each Streamlit element costs the server and the browser about 1.3 ms a keystroke
// (docs/benchmarks.md, eighth session).
function drawNotes(parent, notes) {
  const box = parent.querySelector(":scope > .al-notes") || el("div", "al-notes", parent);
  while (box.children.length > notes.length) box.lastChild.remove();
  notes.forEach((text, i) => setText(box.children[i] || el("p", "al-note", box), text));
}
