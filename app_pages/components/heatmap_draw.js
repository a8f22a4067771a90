// The heatmap's drawing (heatmap.js builds the elements and handles the mouse and keys): its
// cells on the canvas, its labels, legend and captions.

import { hexRgb, inkOn, position, rampOf, rampRgb, css } from "./colour.js";
import { el, setStyle, setText } from "./dom.js";

const LABEL_LIMIT = 110; // px, as the Vega axes' labelLimit

export function sizeCanvas(canvas, width, height) {
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

export function isMasked(d, k) {
  return Boolean(d.masked && d.masked[k]);
}

// Why a cell is hidden: a later word (the causal mask), or, in a local layer, a word too far back.
export function maskReason(d, i, j) {
  if (d.col_pos && d.col_pos[j] > d.row_pos[i]) return ["causal mask", "hidden: a later word (score -∞, so 0%)"];
  if (d.window) {
    return ["local window", `hidden: more than ${d.window - 1} words back; this layer sees only the last ${d.window} words (score -∞, so 0%)`];
  }
  return ["mask", "hidden (score -∞, so 0%)"];
}

export function drawCells(root, d) {
  const nr = d.rows.length, nc = d.cols.length, c = d.cell, w = d.cell_w || c;
  const ramp = rampOf(d);
  root._ratio = window.devicePixelRatio;
  const ctx = sizeCanvas(root.querySelector(".al-cells"), nc * w, nr * c);
  const gap = Math.min(c, w) >= 18 ? 0.5 : 0; // hairlines of background between big cells
  ctx.clearRect(0, 0, nc * w, nr * c);
  for (let i = 0; i < nr; i++) {
    for (let j = 0; j < nc; j++) {
      const v = d.values[i * nc + j];
      const masked = isMasked(d, i * nc + j);
      if (v === null && !masked) continue; // a hidden score is -∞: no number, drawn as hidden
      ctx.fillStyle = masked ? (d.masked_fill || d.colours.masked) : css(rampRgb(ramp, position(d, v)));
      ctx.fillRect(j * w + gap, i * c + gap, w - 2 * gap, c - 2 * gap);
      if (masked && !d.masked_fill && Math.min(c, w) >= 9) { // a diagonal stroke, as a hatch: "not allowed", not "weak"
        ctx.strokeStyle = d.colours.masked_line;
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(j * w + gap + 1, (i + 1) * c - gap - 1);
        ctx.lineTo((j + 1) * w - gap - 1, i * c + gap + 1);
        ctx.stroke();
      }
    }
  }
  if (d.printed) {
    ctx.font = `${Math.min(c, w) >= 28 ? 11 : 9}px sans-serif`; // the mask page's 20-odd px cells take smaller digits
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let i = 0; i < nr; i++) {
      for (let j = 0; j < nc; j++) {
        const k = i * nc + j;
        const v = d.values[k];
        const masked = isMasked(d, k);
        if (d.texts) { // the numbers as the lesson writes them ("0", "-∞", "1.23")
          ctx.fillStyle = inkOn(masked ? hexRgb(d.masked_fill || d.colours.masked) : rampRgb(ramp, position(d, v)));
          ctx.fillText(d.texts[k], j * w + w / 2, i * c + c / 2);
          continue;
        }
        if (v === null || masked) continue;
        ctx.fillStyle = position(d, v) > 0.55 ? "white" : "black"; // readable on the cell's colour
        ctx.fillText(v.toFixed(0), j * w + w / 2, i * c + c / 2);
      }
    }
  }
  if (d.chosen >= 0) {
    ctx.strokeStyle = d.highlight;
    ctx.lineWidth = 2.5;
    ctx.strokeRect(1.25, d.chosen * c + 1.25, nc * w - 2.5, c - 2.5);
  }
  if (d.box) { // the overview: where the window drawn above lies in the whole matrix
    const clip = (v, n, px) => Math.min(Math.max(v * px, 1), n * px - 1);
    const [x0, x1, y0, y1] = [clip(d.box.c0, nc, w), clip(d.box.c1, nc, w), clip(d.box.r0, nr, c), clip(d.box.r1, nr, c)];
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

/** Every how many rows (or upright columns) a label is written: 1 when `font` px text fits a
 * `cell` px row; on smaller cells every label would overlap its neighbours. */
export function labelStep(cell, font) {
  return cell >= font ? 1 : Math.ceil(font / cell);
}

/** Which of `n` labels are written, every `step`-th counted back from the last (the word being
 * typed keeps its label), and the `chosen` row's, whose neighbours closer than `step` then give
 * way. The others stay in the page, hidden: a row's tooltip and the CSV still name every token. */
export function shownLabels(n, step, chosen = -1) {
  const shown = Array.from({ length: n }, (_, i) => (n - 1 - i) % step === 0);
  if (step > 1 && chosen >= 0 && chosen < n && !shown[chosen]) {
    for (let i = Math.max(0, chosen - step + 1); i < Math.min(n, chosen + step); i++) shown[i] = false;
    shown[chosen] = true;
  }
  return shown;
}

export function drawLabels(root, d) {
  const c = d.cell, w = d.cell_w || c;
  const rows = root.querySelector(".al-rows");
  const rowLabelsShown = d.row_labels !== false; // a panel right of one that has them goes without
  for (const node of [rows, root.querySelector(".al-ytitle")]) {
    if (node.hidden === rowLabelsShown) node.hidden = !rowLabelsShown;
  }
  setStyle(rows, "fontSize", `${d.row_font}px`);
  const rowLabels = labelsIn(rows, d.rows.length, "al-row");
  const rowShown = shownLabels(d.rows.length, labelStep(c, d.row_font), d.chosen);
  d.rows.forEach((text, i) => {
    const label = rowLabels[i];
    setLabel(label, text, (i === d.chosen ? "al-row al-chosen" : "al-row") + (rowShown[i] ? "" : " al-skip"));
    setStyle(label, "height", `${c}px`);
    setStyle(label, "lineHeight", `${c}px`);
  });
  const cols = root.querySelector(".al-cols");
  setStyle(cols, "fontSize", `${d.col_font}px`);
  setStyle(cols, "width", `${d.cols.length * w}px`);
  const measure = root.querySelector(".al-ramp").getContext("2d");
  measure.font = `${d.col_font}px sans-serif`;
  const longest = Math.min(LABEL_LIMIT, Math.max(0, ...d.cols.map((t) => measure.measureText(t).width)));
  // Slanted labels need about 1.5 font sizes between columns; on narrower columns they would
  // overlap, so they stand upright, one column each.
  const upright = w < 1.5 * d.col_font;
  setStyle(cols, "height", `${Math.ceil(longest * (upright ? 1 : Math.SQRT1_2) + d.col_font + 6)}px`);
  const colLabels = labelsIn(cols, d.cols.length, "al-col");
  const colShown = shownLabels(d.cols.length, upright ? labelStep(w, d.col_font) : 1);
  d.cols.forEach((text, j) => {
    const label = colLabels[j];
    setLabel(label, text, colShown[j] ? "al-col" : "al-col al-skip");
    setStyle(label, "right", `${(d.cols.length - j - 0.5) * w}px`);
    setStyle(label, "transform", upright ? "rotate(-90deg)" : "");
  });
}

export function drawLegend(root, d) {
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
  setText(root.querySelector(".al-legend-means"), d.legend_means ? `(${d.legend_means})` : "");
  const mask = root.querySelector(".al-legend-mask");
  setStyle(root.querySelector(".al-mask-swatch"), "background", d.masked_fill || "");
  root.style.setProperty("--al-masked", d.colours.masked); // the hatched swatch's colours (heatmap.css)
  root.style.setProperty("--al-masked-line", d.colours.masked_line);
  setText(root.querySelector(".al-mask-text"), d.mask_text
    || (d.window ? "hidden by the mask (a later word, or outside the window)" : "hidden by the causal mask"));
  const anyMasked = Boolean(d.masked && d.masked.some(Boolean));
  if (mask.hidden === anyMasked) mask.hidden = !anyMasked;
}

// Captions under the heatmap, styled as st.caption. In the component rather than st.caption
// elements: each Streamlit element costs the server and the browser time on every keystroke.
export function drawNotes(parent, notes) {
  const box = parent.querySelector(":scope > .al-notes") || el("div", "al-notes", parent);
  while (box.children.length > notes.length) box.lastChild.remove();
  notes.forEach((text, i) => setText(box.children[i] || el("p", "al-note", box), text));
}
