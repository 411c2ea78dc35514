// Small DOM helpers: every text goes in through textContent, never as markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An HTML element with attributes and children (strings become text). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null) el.append(c);
  return el;
}

/** An SVG element with attributes and children. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, String(v));
  for (const c of children) if (c !== undefined && c !== null) el.append(c);
  return el;
}

/** `3 s`, `4 min`, `2 h` ago. */
export function ago(ms) {
  const sec = Math.max(0, Math.round(ms / 1000));
  if (sec < 60) return `${sec} s`;
  if (sec < 3600) return `${Math.floor(sec / 60)} min ${sec % 60} s`;
  return `${Math.floor(sec / 3600)} h ${Math.floor((sec % 3600) / 60)} min`;
}

/** A short rendering of a number: 1.2k, 3.4M. */
export function short(x, digits = 1) {
  if (x === undefined || x === null || Number.isNaN(x)) return '–';
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(digits)}G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(digits)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(digits)}k`;
  if (a >= 100 || Number.isInteger(x)) return String(Math.round(x));
  return x.toFixed(digits + 1);
}
