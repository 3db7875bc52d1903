// @ts-check
/// <reference lib="dom" />
/**
 * The incident page: the header card, counts per level, and the timeline
 * (virtual rows, relative times, trigger highlighted, trailing events set
 * apart, filters, search with highlights, `#num` links, keyboard).
 *
 * @module
 */

import { api } from "./api.js";
import {
  h,
  highlight,
  levelBadge,
  levelClass,
  levelName,
  LEVELS,
  note,
  relative,
  replace,
} from "./dom.js";
import { eventDetail, eventText } from "./event_detail.js";
import { failureCard, failureIndex } from "./failure.js";
import { headerCard } from "./incident_header.js";
import { VirtualList } from "./timeline.js";

/** @typedef {import("./event_detail.js").EventRecord} EventRecord */

const ROW_HEIGHT = 26;
/** A row that is not an event: the line before the trailing events. */
const SEPARATOR = -1;

/**
 * Where the trigger is among `events` (the last event at the highest level
 * when the header names none that is there).
 * @param {EventRecord[]} events
 * @param {Record<string, any>} header
 */
export function triggerIndex(events, header) {
  const t = header.trigger;
  if (t && typeof t.num === "number") {
    const inc = t.incarnation?.[0];
    const i = events.findIndex((r) =>
      r.d.num === t.num && (inc === undefined || r.d.incarnation?.[0] === inc)
    );
    if (i >= 0) return i;
  }
  let best = -1;
  events.forEach((r, i) => {
    if (best < 0 || r.d.level >= events[best].d.level) best = i;
  });
  return best;
}

/**
 * A link to the incident's group page, when the answer names its group.
 * @param {Record<string, any>} data
 */
function groupLink(data) {
  const g = data.incident?.group ?? data.group;
  return typeof g === "string"
    ? h(
      "p",
      { class: "group-link" },
      h("a", { href: `/groups/${g}` }, "the group's page →"),
    )
    : null;
}

/**
 * Draws the incident page for `name`.
 * @param {import("./app.js").PageContext} ctx
 * @param {string} name
 */
export async function mountIncident(ctx, name) {
  replace(ctx.root, note(`Loading ${name}…`));
  const data = await api(
    `/v1/incidents/${encodeURIComponent(name)}?format=json&text=1`,
  );
  if (ctx.signal.aborted) return {};
  /** @type {Record<string, any>} */
  let header = {};
  /** @type {EventRecord[]} */
  const events = [];
  for (const r of data.records) {
    if (r.header) header = r.header;
    else if (r.d) events.push(r);
  }
  const trig = triggerIndex(events, header);
  const triggerTime = trig >= 0
    ? events[trig].d.time
    : header.trigger?.time ?? 0;
  const texts = events.map(eventText);
  /** @type {string[] | undefined} */
  let lowered;

  // Filters and what they leave.
  const facilities = [...new Set(events.map((r) => r.d.facility ?? ""))]
    .sort();
  const f = { facility: "", level: 0, q: "" };
  /** @type {number[]} */
  let rows = [];
  const filter = () => {
    const q = f.q.toLowerCase();
    if (q !== "" && lowered === undefined) {
      lowered = texts.map((t, i) =>
        `${t} ${events[i].d.facility ?? ""}`.toLowerCase()
      );
    }
    rows = [];
    let apart = false;
    for (let i = 0; i < events.length; i++) {
      const d = events[i].d;
      if (d.level < f.level) continue;
      const fac = d.facility ?? "";
      if (
        f.facility !== "" && fac !== f.facility &&
        !fac.startsWith(`${f.facility}/`)
      ) continue;
      if (q !== "" && !lowered?.[i].includes(q)) continue;
      if (!apart && trig >= 0 && i > trig) {
        rows.push(SEPARATOR);
        apart = true;
      }
      rows.push(i);
    }
    shown.textContent = `${
      rows.filter((r) => r >= 0).length
    } of ${events.length} events`;
    list.reset(rows.length);
  };

  // The page.
  const counts = new Map();
  for (const r of events) {
    counts.set(r.d.level, (counts.get(r.d.level) ?? 0) + 1);
  }
  const levelSelect = h(
    "select",
    { name: "level" },
    h("option", { value: "0" }, "any"),
    LEVELS.map(([v, n]) => h("option", { value: v }, n)),
  );
  const facilitySelect = h(
    "select",
    { name: "facility" },
    h("option", { value: "" }, "all"),
    facilities.filter((x) => x !== "").map((x) => h("option", { value: x }, x)),
  );
  const search = h("input", {
    type: "search",
    name: "q",
    id: "search",
    placeholder: "search the text  ( / )",
  });
  const shown = h("span", { class: "count", role: "status" });
  const viewport = h("div", {
    class: "timeline",
    role: "list",
    tabindex: 0,
    "aria-label": "timeline",
  });
  const detail = h(
    "aside",
    { class: "detail-pane" },
    note("Select an event (j / k, or click) to see its fields."),
  );
  const chips = h(
    "div",
    { class: "counts", "aria-label": "events per level" },
    [...counts.keys()].sort((a, b) => a - b).map((lv) =>
      h(
        "button",
        {
          type: "button",
          class: `chip ${levelClass(lv)}`,
          title: `show ${levelName(lv)} and above`,
          onclick: () => {
            levelSelect.value = String(lv);
            levelSelect.dispatchEvent(new Event("change", { bubbles: true }));
          },
        },
        h("span", { class: "lv-name" }, levelName(lv)),
        " ",
        counts.get(lv),
      )
    ),
  );
  const form = h(
    "form",
    { class: "filters", role: "search" },
    h("label", {}, h("span", {}, "Search"), search),
    h("label", {}, h("span", {}, "Facility"), facilitySelect),
    h("label", {}, h("span", {}, "Level at least"), levelSelect),
    shown,
  );
  replace(
    ctx.root,
    h(
      "header",
      { class: "page" },
      h("h1", {}, "Incident"),
      h("a", { href: "/incidents" }, "← all incidents"),
    ),
    (() => {
      // The failure first: no click needed to see what went wrong.
      const fi = failureIndex(events, trig);
      return fi < 0 ? null : failureCard(events[fi], {
        isTrigger: fi === trig,
        isolated: header.isolated,
      });
    })(),
    headerCard(name, header, events[trig]),
    groupLink(data),
    chips,
    form,
    h("div", { class: "split" }, viewport, detail),
  );

  // Parents and children, indexed on first use.
  /** @type {Map<string, number> | undefined} */
  let byKey;
  /** @type {Map<number, number[]>} */
  const children = new Map();
  /** @param {Record<string, any>} d @param {number} num */
  const key = (d, num) => `${d.incarnation?.[0] ?? ""}#${num}`;
  const index = () => {
    if (byKey) return byKey;
    byKey = new Map();
    events.forEach((r, i) =>
      byKey?.has(key(r.d, r.d.num)) || byKey?.set(key(r.d, r.d.num), i)
    );
    events.forEach((r, i) => {
      if (r.d.parent === undefined) return;
      const p = byKey?.get(key(r.d, r.d.parent));
      if (p === undefined) return;
      const list = children.get(p) ?? [];
      list.push(i);
      children.set(p, list);
    });
    return byKey;
  };
  /** @param {number} i */
  const parentOf = (i) => {
    const d = events[i].d;
    return d.parent === undefined ? -1 : index().get(key(d, d.parent)) ?? -1;
  };
  /** @param {number} i */
  const childrenOf = (i) => (index(), children.get(i) ?? []);

  /** Selects event `i`, clearing filters that hide it. */
  const go = (/** @type {number} */ i) => {
    let row = rows.indexOf(i);
    if (row < 0) {
      form.reset();
      Object.assign(f, { facility: "", level: 0, q: "" });
      filter();
      row = rows.indexOf(i);
    }
    list.select(row);
  };

  const list = new VirtualList(viewport, {
    rowHeight: ROW_HEIGHT,
    render(row, el) {
      const i = rows[row];
      if (i === SEPARATOR) {
        el.classList.add("separator");
        el.replaceChildren(h("span", {}, "trailing events, after the trigger"));
        return;
      }
      const d = events[i].d;
      el.classList.add(levelClass(d.level));
      if (i === trig) el.classList.add("trigger");
      if (i > trig && trig >= 0) el.classList.add("trailing");
      el.replaceChildren(
        h("span", { class: "rel" }, relative(d.time - triggerTime)),
        levelBadge(d.level),
        h("span", { class: "fac", title: d.facility ?? "" }, d.facility ?? ""),
        h(
          "span",
          { class: "text" },
          i === trig ? h("span", { class: "tag trig" }, "TRIGGER") : null,
          d.failure !== undefined
            ? h("span", { class: "tag fail" }, "⚠ failure")
            : null,
          d.parent !== undefined
            ? h("span", { class: "up", title: `parent #${d.parent}` }, "↳")
            : null,
          highlight(texts[i], f.q),
        ),
        h("a", { class: "num", href: `#${d.num}` }, `#${d.num}`),
      );
    },
    onSelect(row) {
      const i = rows[row];
      if (i === SEPARATOR) return;
      history.replaceState(null, "", `#${events[i].d.num}`);
      replace(
        detail,
        eventDetail(events, i, { triggerTime, parentOf, childrenOf, go }),
      );
    },
  });

  form.addEventListener("submit", (e) => e.preventDefault());
  form.addEventListener("change", () => {
    f.facility = facilitySelect.value;
    f.level = Number(levelSelect.value);
    filter();
  });
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let typing;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      f.q = search.value.trim();
      filter();
    }, 120);
  });
  ctx.signal.addEventListener("abort", () => clearTimeout(typing));
  filter();

  /** Selects the event named by the URL's `#num`, or shows the trigger. */
  const fromHash = () => {
    const m = /^#(\d+)$/.exec(location.hash);
    const i = m ? events.findIndex((r) => r.d.num === Number(m[1])) : -1;
    if (i >= 0) go(i);
    else if (trig >= 0) list.scrollTo(rows.indexOf(trig));
  };
  fromHash();
  // After the next frame is painted: the bench reads this mark.
  requestAnimationFrame(() =>
    setTimeout(() => performance.mark("flightlog:timeline"))
  );
  globalThis.addEventListener("hashchange", fromHash, { signal: ctx.signal });

  /** The next row in `step`'s direction that is an event. */
  const move = (/** @type {number} */ step) => {
    let r = list.selected < 0 ? rows.indexOf(trig) - step : list.selected;
    do r += step; while (rows[r] === SEPARATOR);
    if (r >= 0 && r < rows.length) list.select(r);
  };
  return {
    /** @param {KeyboardEvent} e */
    key(e) {
      switch (e.key) {
        case "j":
          move(1);
          return true;
        case "k":
          move(-1);
          return true;
        case "t":
          if (trig >= 0) go(trig);
          return true;
        case "p": {
          const i = rows[list.selected];
          const p = i >= 0 ? parentOf(i) : -1;
          if (p >= 0) go(p);
          return true;
        }
        case "/":
          search.focus();
          return true;
        case "Escape":
          search.blur();
          viewport.focus();
          return true;
      }
      return false;
    },
  };
}
