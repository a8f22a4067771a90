// Helpers every component's script shares. base.py writes this file in place of a component's
// `import { ... } from "./dom.js";` when it registers the component (a component's script loads
// from a blob URL, where relative imports cannot resolve); node's tests import it as it is.
//
// The set* helpers write only what differs: on a keystroke most labels and cells keep their
// text and style, and writing them anyway made the browser lay out the whole component again.

/** A new element of class `cls` (if any), appended to `parent` (if any). */
export function el(tag, cls, parent) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (parent) parent.appendChild(e);
  return e;
}

/** Text as DOM text (never HTML: it may come from the prompt). */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

export function setClass(node, name) {
  if (node.className !== name) node.className = name;
}

export function setStyle(node, name, value) {
  if (node.style[name] !== value) node.style[name] = value;
}

export function setAttr(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}
