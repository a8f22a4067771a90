// Every attention head as a small picture: one row per attention module, one column per head.
//
// Why not a Vega chart: on every keystroke Vega rebuilt the grid's image marks and axes. Why not
// PNG images: the server made 16 of them on every keystroke and the browser decoded them
// again. Why one canvas for all the pictures, not one per head: every canvas is a layer of its
// own that the browser commits in every frame of a keystroke, drawn or not; with 32 of them (4
// layers x 8 heads) the grid slowed every frame of a keystroke.
// Each picture arrives as one byte per cell (viz.attention.grid_pictures), an index into the
// palette that viz.raster makes, deflated (zlib: a sixth of the bytes at 1,024 tokens, and every
// byte of the grid cost the page on each keystroke, painted or not), and is scaled up unblurred
// into its place on the canvas. Over
// each picture lies a button of its size: it takes the click, the keyboard focus, the tooltip and
// the chosen head's outline. Titles are set as textContent.
//
// Its data is the HeadGrid dataclass of head_grid.py (filled by viz.attention.grid_data), plus
// the app's palette as `colours` (the levels' `palette` is made from its blues, in viz.raster).
// A click on a panel sends the trigger "pick" with {module, head}.

import { el, setAttr, setText } from "./dom.js";
import { exportButtons, gridSvg } from "./export.js";

/**
 * @typedef {object} GridPanel  head_grid.py's GridPanel: one head's picture
 * @property {number} row
 * @property {number} col
 * @property {string} module
 * @property {number} head
 * @property {string} title
 * @property {string} pixels  base64 of one byte per cell, row-major, deflated (zlib): a level, an index into `palette`
 * @property {number[]} shape  [rows, cols]
 * @property {boolean} selected
 *
 * @typedef {object} HeadGrid  head_grid.py's HeadGrid
 * @property {string[]} rows  module titles, top to bottom
 * @property {string[]} cols  head titles
 * @property {GridPanel[]} panels
 * @property {number} panel_px
 * @property {string} highlight
 * @property {number[]} palette  r, g, b of each of the 256 levels
 * @property {string} note  the caption above the grid
 * @property {object} colours  the app's palette (heatmap.js's Palette)
 */

const GAP = 8; // px between panels, as the grid's CSS gap

// The levels as colours: RGBA words in the machine's byte order, to fill an ImageData at once.
export function paletteWords(palette) {
  const bytes = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    bytes.set([palette[3 * i], palette[3 * i + 1], palette[3 * i + 2], 255], 4 * i);
  }
  return new Uint32Array(bytes.buffer);
}

/** The top left corner of the cell of the panel at (row, col) on the canvas, in CSS pixels. */
export function origin(row, col, px) {
  return { x: col * (px + GAP), y: row * (px + GAP) };
}

/** The size of the canvas that holds nRows x nCols cells, in CSS pixels. */
export function canvasSize(nRows, nCols, px) {
  const end = origin(nRows - 1, nCols - 1, px);
  return { w: end.x + px, h: end.y + px };
}

/** Where a panel's picture sits on the canvas, in CSS pixels: centred in its cell, at its own
 * shape (a translator's cross-attention is not square), so that the outline hugs the picture. */
export function placement(panel, px) {
  const [rows, cols] = panel.shape;
  const scale = px / Math.max(rows, cols, 1);
  const [w, h] = [Math.round(cols * scale), Math.round(rows * scale)];
  const corner = origin(panel.row, panel.col, px);
  return { x: corner.x + Math.floor((px - w) / 2), y: corner.y + Math.floor((px - h) / 2), w, h };
}

// Clear one panel's cell of the canvas (drawn at `ratio` device pixels per CSS pixel).
function clearCell(ctx, row, col, px, ratio) {
  const { x, y } = origin(row, col, px);
  ctx.clearRect(x * ratio, y * ratio, px * ratio, px * ratio);
}

/** A picture's levels (one byte per cell): its `pixels` inflated. */
export async function inflate(pixels) {
  const bytes = Uint8Array.from(atob(pixels), (ch) => ch.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The levels of `panels`, inflated once per picture while the grid shows it (a keystroke sends
 * most pictures again as they were). */
export function levelsOf(root, panels) {
  const known = root._levels || new Map();
  root._levels = new Map(panels.map((p) => [p.pixels, known.get(p.pixels) || inflate(p.pixels)]));
  return Promise.all(panels.map((p) => root._levels.get(p.pixels)));
}

// One picture: its levels become pixels on a small scratch canvas, drawn scaled up unblurred.
function paint(ctx, scratch, panel, levels, words, px, ratio) {
  const [rows, cols] = panel.shape;
  const { x, y, w, h } = placement(panel, px);
  clearCell(ctx, panel.row, panel.col, px, ratio);
  if (!rows || !cols) return;
  if (scratch.width < cols) scratch.width = cols;
  if (scratch.height < rows) scratch.height = rows;
  const image = new ImageData(cols, rows);
  const out = new Uint32Array(image.data.buffer);
  for (let i = 0; i < levels.length; i++) out[i] = words[levels[i]];
  scratch.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, 0, 0, cols, rows, Math.round(x * ratio), Math.round(y * ratio), Math.round(w * ratio), Math.round(h * ratio));
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector(".al-grid");
  if (!root) {
    root = el("div", "al-grid", parentElement);
    root.setAttribute("role", "group");
    root.addEventListener("click", (event) => {
      const panel = event.target.closest(".al-panel");
      if (panel && root._setTriggerValue) {
        root._setTriggerValue("pick", { module: panel.dataset.module, head: Number(panel.dataset.head) });
      }
    });
    // Browser zoom changes the pixel ratio: repaint sharp, as the heatmap does.
    const onResize = () => {
      if (!root.isConnected) { window.removeEventListener("resize", onResize); return; }
      if (root._ratio !== window.devicePixelRatio) { root._shape = null; draw(root, root._data); }
    };
    window.addEventListener("resize", onResize);
    exportButtons(parentElement, async () => [gridSvg(root._data, await levelsOf(root, root._data.panels)), "attention of every head"]);
  }
  if (!root._observer) {
    // Pictures are painted only while the grid is on (or near) the screen, and what changed
    // meanwhile when it scrolls into view: below the heatmap it is often out of view while the
    // user types, and painting it anyway cost time on every keystroke.
    root._visible = false;
    root._observer = new IntersectionObserver((entries) => {
      if (!root.isConnected) { root._observer.disconnect(); return; }
      root._visible = entries[entries.length - 1].isIntersecting;
      if (root._visible && root._data) draw(root, root._data);
    }, { rootMargin: "200px" });
    root._observer.observe(root);
  }
  root._setTriggerValue = setTriggerValue;
  root._data = data;
  drawNote(parentElement, root, data.note || "");
  draw(root, data);
}

// The caption above the grid, styled as st.caption (in the component: one Streamlit element
// fewer to redraw on each keystroke).
function drawNote(parent, grid, text) {
  const note = parent.querySelector(":scope > .al-grid-note") || parent.insertBefore(el("p", "al-note al-grid-note"), grid);
  setText(note, text);
  note.hidden = !text;
}

function draw(root, data) {
  setAttr(root, "aria-label", `Attention patterns of every head: ${data.rows.length} x ${data.cols.length}`);
  const px = data.panel_px;
  setAttr(root, "style", `grid-template-columns: auto repeat(${data.cols.length}, ${px}px); `
    + `grid-template-rows: auto repeat(${data.rows.length}, ${px}px); gap: ${GAP}px; --al-highlight: ${data.highlight};`);
  const paletteKey = data.palette.join(",");
  if (root._paletteKey !== paletteKey) {
    root._paletteKey = paletteKey;
    root._words = paletteWords(data.palette);
    root._drawn = new Map(); // new colours: every picture is painted again
  }

  // Reuse the elements of the last draw when the shape is the same: only pictures change.
  const ratio = window.devicePixelRatio || 1;
  const shape = `${data.rows.join("|")}#${data.cols.join("|")}#${px}#${ratio}`;
  if (root._shape !== shape) {
    root._shape = shape;
    root._ratio = ratio;
    root.replaceChildren(el("div", "al-corner"));
    data.cols.forEach((text, c) => {
      const head = el("div", "al-colhead", root);
      head.textContent = text;
      Object.assign(head.style, { gridRow: "1", gridColumn: `${c + 2}` });
    });
    const canvas = el("canvas", "al-pictures", root);
    canvas.setAttribute("aria-hidden", "true");
    const { w, h } = canvasSize(data.rows.length, data.cols.length, px);
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
    Object.assign(canvas.style, { width: `${w}px`, height: `${h}px`, gridColumn: `2 / span ${data.cols.length}`,
      gridRow: `2 / span ${data.rows.length}` });
    root._canvas = canvas;
    root._scratch = document.createElement("canvas");
    root._panels = new Map();
    root._drawn = new Map();
    data.rows.forEach((text, r) => {
      const head = el("div", "al-rowhead", root);
      head.textContent = text;
      Object.assign(head.style, { gridRow: `${r + 2}`, gridColumn: "1" });
      data.cols.forEach((_, c) => {
        const panel = el("button", "al-panel al-empty", root);
        panel.type = "button";
        Object.assign(panel.style, { gridRow: `${r + 2}`, gridColumn: `${c + 2}` });
        root._panels.set(`${r},${c}`, panel);
      });
    });
  }
  const ctx = root._canvas.getContext("2d");
  // Only what differs is written (most panels keep their head and outline on a keystroke).
  const shown = new Map(data.panels.map((p) => [`${p.row},${p.col}`, p]));
  const todo = []; // [where, panel, picture] to paint once their levels are inflated
  root._panels.forEach((panel, where) => {
    const p = shown.get(where);
    const cls = p ? `al-panel${p.selected ? " al-selected" : ""}` : "al-panel al-empty";
    if (panel.className !== cls) panel.className = cls;
    if (!p) return;
    setAttr(panel, "data-module", p.module);
    setAttr(panel, "data-head", String(p.head));
    setAttr(panel, "title", p.title);
    setAttr(panel, "aria-label", p.title);
    if (p.selected) setAttr(panel, "aria-current", "true"); else panel.removeAttribute("aria-current");
    const { x, y, w, h } = placement(p, px);
    setAttr(panel, "data-picture", `${x},${y},${w},${h},${p.shape}`); // where it is painted (tests read it)
    const size = `width: ${w}px; height: ${h}px;`;
    if (panel.dataset.size !== size) {
      panel.dataset.size = size;
      Object.assign(panel.style, { width: `${w}px`, height: `${h}px` });
    }
    const picture = `${p.shape}:${p.pixels}`;
    if (root._visible && root._drawn.get(where) !== picture) todo.push([where, p, picture]);
  });
  root._panels.forEach((panel, where) => { // an empty cell: clear what an earlier draw left there
    if (!shown.has(where) && root._drawn.has(where)) {
      const [r, c] = where.split(",").map(Number);
      clearCell(ctx, r, c, px, ratio);
      root._drawn.delete(where);
    }
  });
  if (!todo.length) return;
  const turn = (root._turn = (root._turn || 0) + 1);
  levelsOf(root, todo.map(([, p]) => p)).then((levels) => {
    if (root._turn !== turn) return; // a later draw paints these panels instead
    todo.forEach(([where, p, picture], i) => {
      paint(ctx, root._scratch, p, levels[i], root._words, px, ratio);
      root._drawn.set(where, picture);
    });
  });
}
