// Every attention head as a small picture: one row per attention module, one column per head.
//
// Why not a Vega chart: on every keystroke Vega rebuilt the grid's image marks and axes. Why not
// PNG images: making 16 of them took the server 10 ms a keystroke and the browser decoded them
// again. Each picture arrives as one byte per cell (viz.attention.grid_pictures), an index into
// the palette that viz.raster makes, and is painted on a canvas of one pixel per cell, scaled up
// unblurred. Titles are set as textContent.
//
// data (see viz.attention.grid_data): rows (module titles, top to bottom), cols (head titles),
// panels [{row, col, module, head, title, pixels (base64), shape [rows, cols], selected}],
// palette (r, g, b of each of the 256 levels), panel_px, highlight.
// A click on a panel sends the trigger "pick" with {module, head}.

function el(tag, cls, parent) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (parent) parent.appendChild(e);
  return e;
}

// The levels as colours: RGBA words in the machine's byte order, to fill an ImageData at once.
function paletteWords(palette) {
  const bytes = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    bytes.set([palette[3 * i], palette[3 * i + 1], palette[3 * i + 2], 255], 4 * i);
  }
  return new Uint32Array(bytes.buffer);
}

// The picture at the panel's size with its own shape (a translator's cross-attention is not
// square), so that the chosen head's outline hugs the picture, not the empty band beside it.
function paint(canvas, panel, words, px) {
  const [rows, cols] = panel.shape;
  if (canvas.width !== cols) canvas.width = cols;
  if (canvas.height !== rows) canvas.height = rows;
  const scale = px / Math.max(rows, cols, 1);
  const [w, h] = [`${Math.round(cols * scale)}px`, `${Math.round(rows * scale)}px`];
  if (canvas.style.width !== w) canvas.style.width = w;
  if (canvas.style.height !== h) canvas.style.height = h;
  const levels = atob(panel.pixels);
  const image = new ImageData(cols, rows);
  const out = new Uint32Array(image.data.buffer);
  for (let i = 0; i < levels.length; i++) out[i] = words[levels.charCodeAt(i)];
  canvas.getContext("2d").putImageData(image, 0, 0);
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
  }
  root._setTriggerValue = setTriggerValue;
  const set = (node, name, value) => { if (node.getAttribute(name) !== value) node.setAttribute(name, value); };
  set(root, "aria-label", `Attention patterns of every head: ${data.rows.length} x ${data.cols.length}`);
  const px = `${data.panel_px}px`;
  set(root, "style", `grid-template-columns: auto repeat(${data.cols.length}, ${px}); --al-highlight: ${data.highlight};`);
  const paletteKey = data.palette.join(",");
  if (root._paletteKey !== paletteKey) {
    root._paletteKey = paletteKey;
    root._words = paletteWords(data.palette);
    root._drawn = new Map(); // new colours: every picture is painted again
  }

  // Reuse the elements of the last draw when the shape is the same: only pictures change.
  const shape = `${data.rows.join("|")}#${data.cols.join("|")}#${data.panel_px}`;
  if (root._shape !== shape) {
    root._shape = shape;
    root.replaceChildren(el("div", "al-corner"));
    data.cols.forEach((text) => { el("div", "al-colhead", root).textContent = text; });
    root._panels = new Map();
    root._drawn = new Map();
    data.rows.forEach((text, r) => {
      el("div", "al-rowhead", root).textContent = text;
      data.cols.forEach((_, c) => {
        const panel = el("button", "al-panel al-empty", root);
        panel.type = "button";
        panel.style.height = px;
        el("canvas", null, panel).setAttribute("aria-hidden", "true");
        root._panels.set(`${r},${c}`, panel);
      });
    });
  }
  // Only what differs is written (most panels keep their head and outline on a keystroke).
  const shown = new Map(data.panels.map((p) => [`${p.row},${p.col}`, p]));
  root._panels.forEach((panel, where) => {
    const p = shown.get(where);
    const cls = p ? `al-panel${p.selected ? " al-selected" : ""}` : "al-panel al-empty";
    if (panel.className !== cls) panel.className = cls;
    if (!p) return;
    set(panel, "data-module", p.module);
    set(panel, "data-head", String(p.head));
    set(panel, "title", p.title);
    set(panel, "aria-label", p.title);
    if (p.selected) set(panel, "aria-current", "true"); else panel.removeAttribute("aria-current");
    const picture = `${p.shape}:${p.pixels}`;
    if (root._drawn.get(where) !== picture) {
      paint(panel.firstChild, p, root._words, data.panel_px);
      root._drawn.set(where, picture);
    }
  });
}
