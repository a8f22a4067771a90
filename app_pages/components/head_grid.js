// Every attention head as a small image: one row per attention module, one column per head.
//
// Why not a Vega chart: on every keystroke Vega rebuilt the grid's image marks and axes; here
// each <img> only gets its new picture. The images are PNGs made by viz.attention.grid_images
// (one pixel per cell, scaled up unblurred); titles are set as textContent.
//
// data (see viz.attention.grid_data): rows (module titles, top to bottom), cols (head titles),
// panels [{row, col, module, head, title, image, selected}], panel_px, highlight.
// A click on a panel sends the trigger "pick" with {module, head}.

function el(tag, cls, parent) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (parent) parent.appendChild(e);
  return e;
}

// The picture at the panel's size with its own shape (a translator's cross-attention is not
// square), so that the chosen head's outline hugs the picture, not the empty band beside it.
function fit(img, px) {
  const scale = px / Math.max(img.naturalWidth, img.naturalHeight, 1);
  const [w, h] = [`${Math.round(img.naturalWidth * scale)}px`, `${Math.round(img.naturalHeight * scale)}px`];
  if (img.style.width !== w) img.style.width = w;
  if (img.style.height !== h) img.style.height = h;
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
  root._panelPx = data.panel_px;
  set(root, "style", `grid-template-columns: auto repeat(${data.cols.length}, ${px}); --al-highlight: ${data.highlight};`);

  // Reuse the elements of the last draw when the shape is the same: only pictures change.
  const shape = `${data.rows.join("|")}#${data.cols.join("|")}#${data.panel_px}`;
  if (root._shape !== shape) {
    root._shape = shape;
    root.replaceChildren(el("div", "al-corner"));
    data.cols.forEach((text) => { el("div", "al-colhead", root).textContent = text; });
    root._panels = new Map();
    data.rows.forEach((text, r) => {
      el("div", "al-rowhead", root).textContent = text;
      data.cols.forEach((_, c) => {
        const panel = el("button", "al-panel al-empty", root);
        panel.type = "button";
        panel.style.height = px;
        const img = el("img", null, panel);
        img.alt = "";
        img.addEventListener("load", () => fit(img, root._panelPx));
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
    const img = panel.firstChild;
    if (img.getAttribute("src") !== p.image) img.src = p.image;
  });
}
