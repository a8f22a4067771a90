// "PNG" and "SVG" buttons for the canvas components (the heatmap, the grid of heads), for slides
// and papers: a Vega chart has these in its menu, a canvas had none. Shared like dom.js.
//
// Why the SVG is built from the data and not from the canvas: the canvas holds only the cells
// (labels, titles and legend are HTML around it), and an SVG of rects and text can be edited and
// scaled in a paper. The PNG is that same SVG drawn on a canvas at twice the size, so both files
// show the same picture. Text from the prompt is escaped (xml) before it enters the SVG.

import { css, hexRgb, inkOn, position, rampOf, rampRgb } from "./colour.js";
import { el } from "./dom.js";

const SVG_FONT = 'font-family="sans-serif"';
const SVG_LABEL_LIMIT = 110; // px, as heatmap_draw.js

/** Text safe inside an SVG element or attribute. */
export function xml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A file name from a chart title: letters, digits and dashes. */
export function fileName(title, ext) {
  const stem = String(title).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60);
  return `${stem || "chart"}.${ext}`;
}

function svgDoc(width, height, body) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`
    + `<rect width="${width}" height="${height}" fill="white"/>${body}</svg>`;
}

const textWidth = (text, font) => Math.min(SVG_LABEL_LIMIT, 0.6 * font * String(text).length);

/** The heatmap (heatmap.js's Heatmap data) as an SVG: title, row and column labels, a rect per
 * cell in the palette's colours (hidden cells grey with their hatch), printed numbers, legend. */
export function heatmapSvg(d) {
  const nr = d.rows.length, nc = d.cols.length, c = Math.max(d.cell, 22); // slanted labels need ~1.5 fonts a column
  const font = Math.max(d.row_font, 10);
  const ramp = rampOf(d);
  const rowW = d.row_labels === false ? 0 : Math.max(0, ...d.rows.map((t) => textWidth(t, font))) + 8;
  const colH = Math.max(0, ...d.cols.map((t) => textWidth(t, font))) * Math.SQRT1_2 + font;
  const x0 = 24 + rowW, y0 = 28;
  const parts = [`<text x="4" y="16" ${SVG_FONT} font-size="13" font-weight="bold">${xml(d.title)}</text>`];
  parts.push(`<text transform="translate(14 ${y0 + (nr * c) / 2}) rotate(-90)" text-anchor="middle" ${SVG_FONT} font-size="${font}">${xml(d.query_title)}</text>`);
  for (let i = 0; i < nr; i++) {
    if (d.row_labels !== false) {
      parts.push(`<text x="${x0 - 4}" y="${y0 + i * c + c / 2}" text-anchor="end" dominant-baseline="middle" ${SVG_FONT} font-size="${font}">${xml(d.rows[i])}</text>`);
    }
    for (let j = 0; j < nc; j++) {
      const k = i * nc + j, v = d.values[k], masked = Boolean(d.masked && d.masked[k]);
      if (v === null && !masked) continue;
      const rgb = masked ? hexRgb(d.masked_fill || d.colours.masked) : rampRgb(ramp, position(d, v));
      const [x, y] = [x0 + j * c, y0 + i * c];
      parts.push(`<rect x="${x}" y="${y}" width="${c}" height="${c}" fill="${css(rgb)}" stroke="white" stroke-width="0.5"/>`);
      if (masked && !d.masked_fill) {
        parts.push(`<line x1="${x + 1}" y1="${y + c - 1}" x2="${x + c - 1}" y2="${y + 1}" stroke="${d.colours.masked_line}"/>`);
      }
      const text = d.texts ? d.texts[k] : d.printed && v !== null && !masked ? v.toFixed(0) : "";
      if (text) {
        parts.push(`<text x="${x + c / 2}" y="${y + c / 2}" text-anchor="middle" dominant-baseline="middle" ${SVG_FONT} font-size="${c >= 28 ? 11 : 9}" fill="${inkOn(rgb)}">${xml(text)}</text>`);
      }
    }
  }
  if (d.chosen >= 0) {
    parts.push(`<rect x="${x0 + 1.25}" y="${y0 + d.chosen * c + 1.25}" width="${nc * c - 2.5}" height="${c - 2.5}" fill="none" stroke="${d.highlight}" stroke-width="2.5"/>`);
  }
  const yc = y0 + nr * c + 4;
  d.cols.forEach((t, j) => {
    parts.push(`<text transform="translate(${x0 + j * c + c / 2} ${yc}) rotate(-45)" text-anchor="end" dominant-baseline="middle" ${SVG_FONT} font-size="${font}">${xml(t)}</text>`);
  });
  const yt = yc + colH + 4;
  parts.push(`<text x="${x0 + (nc * c) / 2}" y="${yt}" text-anchor="middle" ${SVG_FONT} font-size="${font}">${xml(d.key_title)}</text>`);
  const yl = yt + 20, lo = d.value_min || 0;
  const legendText = [d.value_title, d.legend_lo ?? "0"].map(xml);
  parts.push(`<text x="4" y="${yl + 9}" ${SVG_FONT} font-size="11" font-weight="bold">${legendText[0]}</text>`);
  const rx = 4 + textWidth(d.value_title, 11) + 8;
  parts.push(`<text x="${rx}" y="${yl + 9}" ${SVG_FONT} font-size="11">${legendText[1]}</text>`);
  const gx = rx + textWidth(legendText[1], 11) + 6;
  for (let s = 0; s < 24; s++) { // the ramp as 24 steps, as the canvas legend's 120 px
    const v = lo + ((s + 0.5) / 24) * (d.value_max - lo);
    parts.push(`<rect x="${gx + s * 5}" y="${yl}" width="5" height="10" fill="${css(rampRgb(ramp, position(d, v)))}"/>`);
  }
  parts.push(`<text x="${gx + 126}" y="${yl + 9}" ${SVG_FONT} font-size="11">${xml(d.legend_hi ?? String(d.value_max))}${d.legend_means ? ` (${xml(d.legend_means)})` : ""}</text>`);
  const width = Math.ceil(Math.max(x0 + nc * c + 16, gx + 140 + textWidth(d.legend_means || "", 11) * 2, 8 * d.title.length));
  return svgDoc(width, Math.ceil(yl + 24), parts.join(""));
}

/** The grid of heads (head_grid.js's HeadGrid data) as an SVG: module titles, head titles, and
 * each picture as rects in its levels' colours (`palette`), the chosen head outlined; `levels`:
 * each panel's levels, one byte per cell (head_grid.js inflates them). */
export function gridSvg(d, levels) {
  const px = d.panel_px, gap = 8, left = 12 + Math.max(...d.rows.map((t) => 0.6 * 11 * t.length)), top = 20;
  const parts = [];
  d.cols.forEach((t, j) => parts.push(`<text x="${left + j * (px + gap) + px / 2}" y="14" text-anchor="middle" ${SVG_FONT} font-size="11">${xml(t)}</text>`));
  d.rows.forEach((t, i) => parts.push(`<text x="${left - 6}" y="${top + i * (px + gap) + px / 2}" text-anchor="end" dominant-baseline="middle" ${SVG_FONT} font-size="11">${xml(t)}</text>`));
  for (const [k, p] of d.panels.entries()) {
    const [rows, cols] = p.shape, cells = levels[k];
    const s = px / Math.max(rows, cols, 1);
    const [x0, y0] = [left + p.col * (px + gap) + (px - cols * s) / 2, top + p.row * (px + gap) + (px - rows * s) / 2];
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const l = cells[i * cols + j];
        const fill = `rgb(${d.palette[3 * l]},${d.palette[3 * l + 1]},${d.palette[3 * l + 2]})`;
        parts.push(`<rect x="${(x0 + j * s).toFixed(2)}" y="${(y0 + i * s).toFixed(2)}" width="${s.toFixed(2)}" height="${s.toFixed(2)}" fill="${fill}"/>`);
      }
    }
    if (p.selected) {
      parts.push(`<rect x="${x0}" y="${y0}" width="${cols * s}" height="${rows * s}" fill="none" stroke="${d.highlight}" stroke-width="2.5"/>`);
    }
  }
  return svgDoc(Math.ceil(left + d.cols.length * (px + gap)), Math.ceil(top + d.rows.length * (px + gap)), parts.join(""));
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a", null, document.body);
  a.href = url;
  a.download = name;
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The SVG drawn at `scale` times its size on a canvas, as a PNG blob. */
export function pngOf(svg, scale = 2) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = image.width * scale;
      canvas.height = image.height * scale;
      const ctx = canvas.getContext("2d");
      ctx.scale(scale, scale);
      ctx.drawImage(image, 0, 0);
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("no PNG"))), "image/png");
    };
    image.onerror = () => reject(new Error("the SVG did not load"));
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  });
}

/** Two small buttons, "PNG" and "SVG", in `parent`; `current()` gives [svg text, title] when clicked. */
export function exportButtons(parent, current) {
  const bar = el("div", "al-export", parent);
  for (const kind of ["PNG", "SVG"]) {
    const button = el("button", "al-export-button", bar);
    button.type = "button";
    button.textContent = kind;
    button.title = kind === "PNG" ? "Save this chart as a PNG picture (for slides)" : "Save this chart as an SVG drawing (for papers)";
    button.addEventListener("click", async (event) => {
      event.stopPropagation();
      const [svg, title] = await current(); // the grid inflates its pictures first
      if (kind === "SVG") save(new Blob([svg], { type: "image/svg+xml" }), fileName(title, "svg"));
      else save(await pngOf(svg), fileName(title, "png"));
    });
  }
  return bar;
}
