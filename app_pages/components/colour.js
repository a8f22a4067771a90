// The heatmap's colour scale: values along a ramp of the app's one palette (viz.palette, sent
// in every component's data as `colours`). Shared like dom.js: base.py writes it into the
// scripts that import it; node's tests import it as it is.

/**
 * @typedef {object} Palette  viz.palette.palette_data: the app's one palette
 * @property {string[]} blues  Vega's "blues", "#rrggbb", light to dark
 * @property {string[]} redblue  Vega's "redblue", negative (red) to positive (blue)
 * @property {string} masked  a cell the causal mask hides
 * @property {string} masked_line  the hatch across such a cell
 */

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

/** [r, g, b] as a CSS colour. */
export const css = (rgb) => `rgb(${rgb.join(",")})`;

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
