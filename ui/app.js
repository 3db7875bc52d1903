// @ts-check
/// <reference lib="dom" />
/**
 * The viewer's entry: routes paths to pages (without reloading), keeps the
 * navigation current, and hands keys to the page that is shown.
 *
 * @module
 */

import { ApiError, loginHref } from "./api.js";
import { h, note, replace } from "./dom.js";
import { mountGroup } from "./group.js";
import { mountGroups } from "./groups.js";
import { mountIncidents } from "./incidents.js";
import { mountIncident } from "./incident.js";
import { mountTail } from "./tail.js";

/**
 * What a page gets: where to draw, the URL, and a signal aborted when the
 * user leaves (streams and timers stop on it).
 * @typedef {{ root: HTMLElement, path: string, params: URLSearchParams, signal: AbortSignal }} PageContext
 * @typedef {{ key?: (e: KeyboardEvent) => boolean }} PageHandle
 */

/** @type {[RegExp, string, (ctx: PageContext, m: RegExpExecArray) => PageHandle | Promise<PageHandle>][]} */
const ROUTES = [
  [/^\/$/, "groups", (ctx) => mountGroups(ctx)],
  [
    /^\/groups\/([^/]+)$/,
    "groups",
    (ctx, m) => mountGroup(ctx, decodeURIComponent(m[1])),
  ],
  [/^\/incidents\/?$/, "incidents", (ctx) => mountIncidents(ctx)],
  [
    /^\/incidents\/([^/]+)$/,
    "incidents",
    (ctx, m) => mountIncident(ctx, decodeURIComponent(m[1])),
  ],
  [/^\/tail\/?$/, "tail", (ctx) => mountTail(ctx)],
];

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
/** @type {AbortController | undefined} */
let current;
/** @type {PageHandle} */
let handle = {};

async function route() {
  current?.abort();
  const controller = current = new AbortController();
  handle = {};
  const path = location.pathname;
  const found = ROUTES.map(([re, nav, mount]) => {
    const m = re.exec(path);
    return m && { m, nav, mount };
  }).find((x) => x !== null);
  for (const a of document.querySelectorAll("nav a")) {
    a.toggleAttribute(
      "aria-current",
      found?.nav === a.getAttribute("data-nav"),
    );
  }
  if (!found) {
    replace(main, note(`No page at ${path}.`, "error"));
    return;
  }
  replace(main);
  try {
    const h = await found.mount({
      root: main,
      path,
      params: new URLSearchParams(location.search),
      signal: controller.signal,
    }, found.m);
    if (!controller.signal.aborted) handle = h;
  } catch (e) {
    if (controller.signal.aborted) return;
    if (e instanceof ApiError && e.status === 401) {
      // On the way to the login form; a link, should it not get there.
      replace(
        main,
        h(
          "p",
          { class: "note logged-out" },
          "You are logged out. ",
          h("a", { href: loginHref() }, "Log in"),
          " to come back to this page.",
        ),
      );
      return;
    }
    replace(main, note(String(/** @type {Error} */ (e).message), "error"));
  }
}

/**
 * Shows `href` (same origin) without a reload.
 * @param {string} href
 */
export function navigate(href) {
  history.pushState(null, "", href);
  route();
}

document.addEventListener("click", (e) => {
  if (e.defaultPrevented || e.button !== 0) return;
  if (e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = /** @type {Element} */ (e.target).closest("a");
  const href = a?.getAttribute("href");
  if (!a || !href || a.hasAttribute("download")) return;
  if (!href.startsWith("/") || href.startsWith("/v1/")) return;
  if (href.startsWith("/logout") || href.startsWith("/login")) return;
  const url = new URL(href, location.href);
  if (url.pathname === location.pathname && url.hash !== "") return;
  e.preventDefault();
  navigate(href);
});

globalThis.addEventListener("popstate", () => route());

document.addEventListener("keydown", (e) => {
  const t = /** @type {HTMLElement} */ (e.target);
  const typing = t.matches("input, textarea, select");
  if (typing && e.key !== "Escape") return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (handle.key?.(e)) e.preventDefault();
});

route();
