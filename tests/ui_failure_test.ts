// The failure-first card's pure helpers, imported from the browser module:
// which failure an incident leads with, and the frames of a stack.
import assert from "node:assert/strict";
import { failureIndex, failureOf, framesOf, inApp } from "../ui/failure.js";
import { spans } from "../ui/chart.js";

const F = (message: string) => ({
  "@": "Failure",
  name: "Error",
  message,
  traceback: `Error: ${message}\n    at pay (file:///srv/pay.ts:4:9)\n` +
    "    at async file:///srv/main.ts:10:3\n" +
    "    at Object.x (ext:core/01.js:1:2)",
});
const ev = (num: number, extra: Record<string, unknown> = {}) => ({
  d: { num, level: 20, ...extra },
});

Deno.test("failureIndex leads with the trigger's failure, else the latest before it", () => {
  const events = [
    ev(0, { failure: F("early") }),
    ev(1, { err: F("in a field") }),
    ev(2),
    ev(3, { failure: F("after") }),
  ];
  assert.equal(failureIndex(events, 2), 1);
  assert.equal(failureIndex(events, 3), 3);
  assert.equal(failureIndex([ev(0), ev(1, { failure: F("x") })], 0), 1);
  assert.equal(failureIndex([ev(0)], 0), -1);
  assert.equal(failureOf(events[1].d)?.message, "in a field");
});

Deno.test("framesOf parses a stack, telling the app's frames from Deno's", () => {
  const frames = framesOf(F("x"));
  assert.deepEqual(
    frames.map((f) => [f.fn, f.line, f.inApp]),
    [["pay", 4, true], ["", 10, true], ["Object.x", 1, false]],
  );
  assert.equal(inApp("file:///srv/node_modules/a/b.js"), false);
  const recorded = [{
    fn: "f",
    file: "/a.ts",
    line: 1,
    column: 1,
    inApp: true,
  }];
  assert.equal(framesOf({ frames: recorded }), recorded, "the recorder's own");
});

Deno.test("spans sums hours into days ending now, and keeps the last 48 hours", () => {
  const hourly = Array.from({ length: 168 }, (_, i) => i % 24 === 23 ? 2 : 0);
  const days = spans(hourly, "day", Date.UTC(2026, 0, 8, 12, 30));
  assert.equal(days.length, 7);
  assert.deepEqual(days.map((d) => d.count), [2, 2, 2, 2, 2, 2, 2]);
  const hours = spans(hourly, "hour", Date.UTC(2026, 0, 8, 12, 30));
  assert.equal(hours.length, 48);
  assert.equal(hours.at(-1)!.start, Date.UTC(2026, 0, 8, 12));
});
