// @ts-check
/// <reference lib="dom" />
/**
 * A bar chart of counts over time as plain SVG (no library): one bar per
 * hour or per day, each with its time and count in a `<title>` so that it
 * reads without sight or colour, and the highest count on the axis.
 *
 * @module
 */

const NS = "http://www.w3.org/2000/svg";

/**
 * An SVG element with attributes.
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 */
function svgEl(tag, attrs) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/**
 * The counts of the last `hours` hours, or of the last 7 days (sums of 24
 * hours, the last day ending now), from 168 hourly counts, oldest first,
 * each with the start of its span (ms).
 * @param {number[]} hourly
 * @param {"hour" | "day"} by
 * @param {number} [now]
 * @returns {{ start: number, count: number }[]}
 */
export function spans(hourly, by, now = Date.now()) {
  const HOUR = 3_600_000;
  const thisHour = Math.floor(now / HOUR) * HOUR;
  const startOf = (/** @type {number} */ i) =>
    thisHour - (hourly.length - 1 - i) * HOUR;
  if (by === "hour") {
    const from = Math.max(0, hourly.length - 48);
    return hourly.slice(from).map((count, i) => ({
      start: startOf(from + i),
      count,
    }));
  }
  const out = [];
  for (let end = hourly.length; end > 0; end -= 24) {
    const from = Math.max(0, end - 24);
    out.unshift({
      start: startOf(from),
      count: hourly.slice(from, end).reduce((a, b) => a + b, 0),
    });
  }
  return out;
}

/**
 * A time label: `HH:00` for hours, `Mon 12` for days.
 * @param {number} ms
 * @param {"hour" | "day"} by
 */
function label(ms, by) {
  const d = new Date(ms);
  if (by === "hour") return `${String(d.getHours()).padStart(2, "0")}:00`;
  return d.toLocaleDateString(undefined, { weekday: "short", day: "numeric" });
}

/**
 * The chart of `hourly` by hour (the last 48) or by day (the last 7).
 * @param {number[]} hourly
 * @param {"hour" | "day"} by
 * @returns {SVGSVGElement}
 */
export function countsChart(hourly, by) {
  const data = spans(hourly, by);
  const w = 900, hgt = 160, left = 34, bottom = 18;
  const svg = /** @type {SVGSVGElement} */ (svgEl("svg", {
    viewBox: `0 0 ${w} ${hgt}`,
    class: "chart",
    role: "img",
    "aria-label": `incidents per ${by}: ${
      data.map((s) => `${label(s.start, by)} ${s.count}`).join(", ")
    }`,
  }));
  const max = Math.max(1, ...data.map((s) => s.count));
  const plotW = w - left, plotH = hgt - bottom - 4;
  const bw = plotW / Math.max(1, data.length);
  svg.append(
    svgEl("line", { x1: left, y1: 4, x2: left, y2: 4 + plotH, class: "axis" }),
    svgEl("line", {
      x1: left,
      y1: 4 + plotH,
      x2: w,
      y2: 4 + plotH,
      class: "axis",
    }),
  );
  const top = svgEl("text", { x: left - 4, y: 12, class: "tick end" });
  top.textContent = String(max);
  svg.append(top);
  const every = by === "hour" ? 6 : 1;
  data.forEach((s, i) => {
    const bh = s.count === 0 ? 0 : Math.max(2, (s.count / max) * plotH);
    const bar = svgEl("rect", {
      x: left + i * bw + 1,
      y: 4 + plotH - bh,
      width: Math.max(1, bw - 2),
      height: bh,
      class: "bar",
    });
    const t = svgEl("title", {});
    t.textContent = `${label(s.start, by)}: ${s.count}`;
    bar.append(t);
    svg.append(bar);
    if (i % every === 0) {
      const x = svgEl("text", {
        x: left + i * bw + bw / 2,
        y: hgt - 4,
        class: "tick",
      });
      x.textContent = label(s.start, by);
      svg.append(x);
    }
  });
  return svg;
}
