// @ts-check
/// <reference lib="dom" />
/**
 * The live tail: the app's events as they happen (`/v1/events/stream`),
 * filtered by level and facility, with pause and resume and a bounded
 * scrollback.
 *
 * @module
 */

import { query, stream } from "./api.js";
import { h, levelBadge, levelClass, LEVELS, replace } from "./dom.js";
import { eventText } from "./event_detail.js";
import { liveBadge } from "./incidents.js";

/** Rows kept on screen; older ones go. */
export const SCROLLBACK = 2000;

/**
 * A wall-clock time with milliseconds, local.
 * @param {number} seconds since the epoch
 */
function clock(seconds) {
  const d = new Date(seconds * 1000);
  const p = (/** @type {number} */ n, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${
    p(d.getMilliseconds(), 3)
  }`;
}

/**
 * Draws the live tail.
 * @param {import("./app.js").PageContext} ctx
 */
export function mountTail(ctx) {
  const live = liveBadge();
  const level = h(
    "select",
    { name: "level" },
    h("option", { value: "" }, "any"),
    LEVELS.map(([v, n]) => h("option", { value: v }, n)),
  );
  level.value = ctx.params.get("level") ?? "";
  const facility = h("input", {
    type: "text",
    name: "facility",
    size: 14,
    placeholder: "e.g. db",
  });
  facility.value = ctx.params.get("facility") ?? "";
  const pause = h("button", { type: "button", class: "pause" }, "Pause");
  const status = h("span", { class: "count", role: "status" });
  const log = h("div", {
    class: "tail",
    role: "log",
    "aria-live": "off",
    tabindex: 0,
  });
  const form = h(
    "form",
    { class: "filters" },
    h("label", {}, h("span", {}, "Level at least"), level),
    h("label", {}, h("span", {}, "Facility"), facility),
    pause,
    status,
  );
  replace(
    ctx.root,
    h("header", { class: "page" }, h("h1", {}, "Live tail"), live.el),
    form,
    log,
  );

  let paused = false;
  /** @type {HTMLElement[]} */
  let held = [];
  let received = 0;
  const say = () => {
    status.textContent = paused
      ? `paused: ${held.length} new held`
      : `${received} received, ${log.childElementCount} shown (last ${SCROLLBACK} kept)`;
  };
  /** @param {HTMLElement[]} rows */
  const show = (rows) => {
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.append(...rows);
    while (log.childElementCount > SCROLLBACK) log.firstElementChild?.remove();
    if (atBottom) log.scrollTop = log.scrollHeight;
  };
  /** @param {HTMLElement} row */
  const add = (row) => {
    if (paused) {
      held.push(row);
      if (held.length > SCROLLBACK) held.shift();
    } else show([row]);
    say();
  };

  /** @type {() => void} */
  let close = () => {};
  const connect = () => {
    close();
    const params = { level: level.value, facility: facility.value.trim() };
    history.replaceState(null, "", `/tail${query(params)}`);
    close = stream(
      `/v1/events/stream${query(params)}`,
      ["event", "dropped"],
      (type, data) => {
        if (type === "dropped") {
          add(
            h(
              "div",
              { class: "row gap" },
              `… ${data.count} events dropped (this viewer was too slow)`,
            ),
          );
          return;
        }
        received++;
        // The stream's events carry their rendered text beside their keys.
        const d = data;
        add(h(
          "div",
          { class: `row ${levelClass(d.level)}` },
          h("span", { class: "rel" }, clock(d.time)),
          levelBadge(d.level),
          h("span", { class: "fac" }, d.facility ?? ""),
          h("span", { class: "text" }, eventText({ d, text: data.text })),
        ));
      },
      live.set,
    );
  };
  form.addEventListener("change", connect);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    connect();
  });
  const toggle = () => {
    paused = !paused;
    pause.textContent = paused ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", String(paused));
    if (!paused) {
      show(held);
      held = [];
    }
    say();
  };
  pause.addEventListener("click", toggle);
  ctx.signal.addEventListener("abort", () => close());
  connect();
  say();
  return {
    /** @param {KeyboardEvent} e */
    key(e) {
      if (e.key === " " || e.key === "p") {
        toggle();
        return true;
      }
      if (e.key === "/") {
        facility.focus();
        return true;
      }
      return false;
    },
  };
}
