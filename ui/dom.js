// @ts-check
/// <reference lib="dom" />
/**
 * Small DOM helpers shared by the viewer's pages: building elements, level
 * names and classes, times, and search highlights.
 *
 * @module
 */

/**
 * @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attrs
 * @typedef {Node | string | number | null | undefined | false} Leaf
 * @typedef {Leaf | Leaf[] | Leaf[][]} Child
 */

/**
 * An element with attributes (`on*` functions become listeners) and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/**
 * Appends children, skipping empty ones.
 * @param {Element | DocumentFragment} el
 * @param {Child[]} children
 */
export function append(el, children) {
  for (const c of children) {
    if (Array.isArray(c)) {
      append(el, c);
      continue;
    }
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "number" ? String(c) : c);
  }
}

/** foolscap's named levels. */
export const LEVELS = /** @type {const} */ ([
  [10, "NOISY"],
  [20, "OPERATIONAL"],
  [23, "UNUSUAL"],
  [25, "INFREQUENT"],
  [28, "CURIOUS"],
  [30, "WEIRD"],
  [35, "SCARY"],
  [40, "BAD"],
]);
const NAMES = new Map(/** @type {[number, string][]} */ (LEVELS.slice()));

/**
 * A level's name (`LEVEL31` for unnamed ones).
 * @param {number | undefined} level
 */
export function levelName(level) {
  if (level === undefined) return "?";
  return NAMES.get(level) ?? `LEVEL${level}`;
}

/**
 * The CSS class of a level: its band, so unnamed levels get a colour too.
 * @param {number | undefined} level
 */
export function levelClass(level) {
  const l = level ?? 0;
  if (l >= 40) return "lv-bad";
  if (l >= 35) return "lv-scary";
  if (l >= 30) return "lv-weird";
  if (l >= 23) return "lv-unusual";
  if (l >= 20) return "lv-op";
  return "lv-noisy";
}

/**
 * A level badge: coloured, and named, so it reads without colour; narrow
 * layouts show the four-letter form it carries (`OPER`, `WEIR`).
 * @param {number | undefined} level
 */
export function levelBadge(level) {
  const name = levelName(level);
  const short = NAMES.has(level ?? NaN) ? name.slice(0, 4) : `L${level}`;
  return h(
    "span",
    { class: `lv ${levelClass(level)}`, "data-short": short },
    name,
  );
}

/**
 * A time (ms since the epoch) as local `YYYY-MM-DD HH:MM:SS`.
 * @param {number | undefined} ms
 */
export function when(ms) {
  if (ms === undefined || !Number.isFinite(ms)) return "";
  const d = new Date(ms);
  const p = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${
    p(d.getHours())
  }:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * How long ago `ms` was, briefly (`5 s ago`, `3 h ago`).
 * @param {number | undefined} ms
 * @param {number} [now]
 */
export function ago(ms, now = Date.now()) {
  if (ms === undefined || !Number.isFinite(ms)) return "";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/**
 * Seconds relative to the trigger, signed, to the millisecond (`-1.204 s`).
 * @param {number} seconds
 */
export function relative(seconds) {
  const abs = Math.abs(seconds).toFixed(3);
  if (abs === "0.000") return "0.000 s";
  return `${seconds < 0 ? "-" : "+"}${abs} s`;
}

/**
 * `text` with each case-insensitive occurrence of `term` in a `<mark>`.
 * @param {string} text
 * @param {string} term
 * @returns {(string | HTMLElement)[]}
 */
export function highlight(text, term) {
  if (term === "") return [text];
  const out = [];
  const lower = text.toLowerCase();
  const t = term.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(t); i >= 0; i = lower.indexOf(t, at)) {
    if (i > at) out.push(text.slice(at, i));
    out.push(h("mark", {}, text.slice(i, i + t.length)));
    at = i + t.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/**
 * Replaces the content of `el`.
 * @param {Element} el
 * @param {...Child} children
 */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * A short message block (loading, empty, error).
 * @param {string} text
 * @param {string} [kind]
 */
export function note(text, kind = "note") {
  return h("p", { class: kind, role: kind === "error" ? "alert" : null }, text);
}

/**
 * A key handler for a list page: `j`/`k` move the focus to the link of the
 * next or previous row matching `rows` in `container` (Enter then opens
 * it), and `/` focuses `search`.
 * @param {Element} container
 * @param {string} rows
 * @param {HTMLElement | null} search
 * @returns {(e: KeyboardEvent) => boolean}
 */
export function listKeys(container, rows, search) {
  return (e) => {
    if (e.key === "/" && search) {
      search.focus();
      return true;
    }
    const step = e.key === "j" ? 1 : e.key === "k" ? -1 : 0;
    const all = [...container.querySelectorAll(rows)];
    if (step === 0 || all.length === 0) return false;
    const at = all.findIndex((r) => r.contains(document.activeElement));
    const to = at < 0 ? (step > 0 ? 0 : all.length - 1) : at + step;
    const row = all[Math.min(all.length - 1, Math.max(0, to))];
    /** @type {HTMLElement | null} */ (row.querySelector("a"))?.focus();
    return true;
  };
}
