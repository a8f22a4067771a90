// The overview's architecture diagram: boxes, arrows and the dashed repeated block as SVG, at the
// positions viz.architecture.architecture_layout computed from the model's config.
//
// Why not st.graphviz_chart: the browser had to load and start a WebAssembly Graphviz before the
// first page could be drawn, and the layout is one column per stack, which needs no graph
// layout. Every text is set as
// textContent; a node's <title> is its tooltip (where its numbers are in the trace).
//
// Its data is the Architecture dataclass of architecture.py (filled by
// viz.architecture.architecture_layout), plus the app's palette as `colours`.

import { el } from "./dom.js";

/**
 * @typedef {object} Architecture  architecture.py's Architecture
 * @property {number} width
 * @property {number} height
 * @property {string} label  the diagram's name for screen readers
 * @property {number} font  px
 * @property {number} small  px: the node text's size, the arrows' and frames'
 * @property {number} line  px from one line of a node's text to the next
 * @property {{edge: string, cross: string, box: string, text: string}} colors
 * @property {{x: number, y: number, text: string}[]} titles
 * @property {{x: number, y: number, w: number, h: number, label: string}[]} frames
 * @property {{x: number, y: number, w: number, h: number, shape: "box"|"ellipse", fill: string, lines: string[], tooltip: string}[]} nodes
 * @property {{d: string, kind: "flow"|"cross", label: string[], lx: number, ly: number}[]} edges  d: an SVG path
 * @property {object} colours  the app's palette (heatmap.js's Palette)
 */

const NS = "http://www.w3.org/2000/svg";
let instances = 0;

function svg(tag, attrs, parent, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}

function marker(defs, id, color) {
  const m = svg("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto" }, defs);
  svg("path", { d: "M0,0 L10,5 L0,10 z", fill: color }, m);
}

function draw(root, data) {
  const id = `al-arch-${++instances}`;
  const { edge, cross, box, text: ink } = data.colors;
  const { font, small, line } = data;
  const s = svg("svg", { width: data.width, height: data.height, viewBox: `0 0 ${data.width} ${data.height}`,
    role: "img", "aria-label": data.label, class: "al-arch", "font-size": font });
  const defs = svg("defs", {}, s);
  marker(defs, `${id}-flow`, edge);
  marker(defs, `${id}-cross`, cross);
  for (const t of data.titles) svg("text", { x: t.x, y: t.y, "text-anchor": "middle", "font-size": small + 4, fill: edge }, s, t.text);
  for (const f of data.frames) {
    svg("rect", { x: f.x + 0.75, y: f.y, width: f.w - 1.5, height: f.h, rx: 10, fill: "none", stroke: edge,
      "stroke-width": 1.3, "stroke-dasharray": "5 3" }, s);
    svg("text", { x: f.x + f.w - 10, y: f.y + 14, "text-anchor": "end", "font-size": small + 1, fill: edge }, s, f.label);
  }
  for (const e of data.edges) {
    const color = e.kind === "cross" ? cross : edge;
    const attrs = { d: e.d, fill: "none", stroke: color, "stroke-width": e.kind === "cross" ? 1.5 : 1.1,
      "marker-end": `url(#${id}-${e.kind})` };
    if (e.kind === "cross") attrs["stroke-dasharray"] = "5 3";
    svg("path", attrs, s);
    e.label.forEach((text, i) => svg("text", { x: e.lx, y: e.ly + i * (small + 2), "font-size": small, fill: color }, s, text));
  }
  for (const n of data.nodes) {
    const g = svg("g", { class: "al-arch-node" }, s);
    if (n.tooltip) svg("title", {}, g, n.tooltip);
    if (n.shape === "ellipse") {
      svg("ellipse", { cx: n.x + n.w / 2, cy: n.y + n.h / 2, rx: n.w / 2, ry: n.h / 2, fill: n.fill, stroke: box }, g);
    } else {
      svg("rect", { x: n.x, y: n.y, width: n.w, height: n.h, rx: 8, fill: n.fill, stroke: box }, g);
    }
    const middle = n.y + n.h / 2;
    n.lines.forEach((text, i) => svg("text", { x: n.x + n.w / 2, y: middle + (i - (n.lines.length - 1) / 2) * line,
      "text-anchor": "middle", "dominant-baseline": "central", fill: ink }, g, text));
  }
  root.replaceChildren(s);
}

export default function (component) {
  const { data, parentElement } = component;
  const root = parentElement.querySelector(".al-arch-wrap") || el("div", "al-arch-wrap", parentElement);
  const drawn = JSON.stringify(data);
  if (root.dataset.drawn === drawn) return; // a rerun with the same diagram: nothing to redraw
  root.dataset.drawn = drawn;
  draw(root, data);
}
