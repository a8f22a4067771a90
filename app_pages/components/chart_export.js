// PNG and SVG buttons under a Vega chart (chart_export.py). Streamlit draws Vega charts as SVG:
// the chart is the nearest one before this component in its container, and its drawing is
// saved as it is (the PNG drawn from it at twice the size, by export.js).

import { exportButtons } from "./export.js";

/**
 * @typedef {object} ChartExport  chart_export.py's ChartExport
 * @property {string} name  the files' name, without extension
 * @property {object} colours  the app's palette (unused: every component is sent it)
 */

/** The SVG drawing of the Vega chart placed before `node` in its container, or null. */
export function chartBefore(node) {
  let box = node.closest('[data-testid="stElementContainer"]');
  for (box = box && box.previousElementSibling; box; box = box.previousElementSibling) {
    const svg = box.querySelector(".vega-embed svg.marks");
    if (svg) return svg;
  }
  return null;
}

/** Vega points its gradients at the page's address (url(http://host/page#id)); in a file: url(#id). */
export function localUrls(text) {
  return text.replace(/url\((['"]?)[^#)'"]*#/g, "url($1#");
}

/** The drawing as a standalone SVG file's text, on a white background for slides and papers. */
export function svgText(svg) {
  const copy = svg.cloneNode(true);
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  copy.style.backgroundColor = "white";
  return localUrls(new XMLSerializer().serializeToString(copy));
}

export default function (component) {
  const { data, parentElement } = component;
  parentElement._exportName = data.name;
  if (parentElement.querySelector(".al-export")) return;
  exportButtons(parentElement, () => {
    const svg = chartBefore(parentElement);
    if (!svg) throw new Error("no chart before these buttons");
    return [svgText(svg), parentElement._exportName];
  });
}
