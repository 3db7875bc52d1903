// The viewer's pure helpers, imported straight from the browser modules
// (they touch the DOM only when called to build elements).
import assert from "node:assert/strict";
import { ago, levelClass, levelName, relative, when } from "../ui/dom.js";
import { triggerIndex } from "../ui/incident.js";
import { passes } from "../ui/incidents.js";
import { eventText } from "../ui/event_detail.js";
import { brief } from "../ui/incident_header.js";
import { forAll } from "./_prng.ts";

Deno.test("relative() signs and rounds seconds to the millisecond, and reads back", () => {
  assert.equal(relative(-1.2044), "-1.204 s");
  assert.equal(relative(0.0004), "0.000 s");
  assert.equal(relative(-0.0004), "0.000 s");
  assert.equal(relative(2), "+2.000 s");
  forAll(500, (rng) => {
    const s = (rng.next() - 0.5) * 2000;
    const text = relative(s);
    assert.match(text, /^([+-]\d+\.\d{3}|0\.000) s$/);
    assert.ok(Math.abs(parseFloat(text) - s) <= 0.0005 + 1e-9, `${s} ${text}`);
  });
});

Deno.test("levelName() and levelClass() name and band any integer level", () => {
  assert.equal(levelName(30), "WEIRD");
  assert.equal(levelName(31), "LEVEL31");
  assert.equal(levelName(undefined), "?");
  assert.deepEqual(
    [5, 10, 20, 23, 28, 30, 34, 35, 40, 99].map(levelClass),
    [
      "lv-noisy",
      "lv-noisy",
      "lv-op",
      "lv-unusual",
      "lv-unusual",
      "lv-weird",
      "lv-weird",
      "lv-scary",
      "lv-bad",
      "lv-bad",
    ],
  );
});

Deno.test("ago() and when() say nothing for a missing time", () => {
  const now = Date.UTC(2026, 0, 1);
  assert.equal(ago(now - 5_000, now), "5 s ago");
  assert.equal(ago(now - 3 * 3_600_000, now), "3 h ago");
  assert.equal(ago(now - 5 * 86_400_000, now), "5 d ago");
  assert.equal(ago(undefined, now), "");
  assert.equal(when(undefined), "");
  assert.match(when(now), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
});

Deno.test("triggerIndex() finds the header's trigger by num and incarnation", () => {
  const ev = (num: number, inc: string, level = 20) => ({
    d: { num, level, time: num, incarnation: [inc, null] },
  });
  const events = [ev(7, "a"), ev(7, "b", 30), ev(8, "b")];
  assert.equal(
    triggerIndex(events, { trigger: { num: 7, incarnation: ["b", null] } }),
    1,
  );
  // Without a trigger that is there: the last event at the highest level.
  assert.equal(triggerIndex([ev(1, "a", 30), ev(2, "a", 30)], {}), 1);
  assert.equal(triggerIndex([], {}), -1);
});

Deno.test("passes() applies the list's filters, searching summaries when the server did not", () => {
  const i = {
    name: "incident-x.flog.gz",
    time: Date.now(),
    level: 35,
    app: "shop",
    facility: "pay",
    summary: "payment provider timed out",
    events: 3,
  };
  const f = { app: "", level: "", category: "", since: "", q: "", group: "" };
  assert.ok(passes(i, f, false));
  assert.ok(passes(i, { ...f, app: "shop", level: "30" }, false));
  assert.ok(!passes(i, { ...f, level: "40" }, false));
  assert.ok(!passes(i, { ...f, app: "cart" }, false));
  assert.ok(passes(i, { ...f, q: "TIMED" }, false));
  assert.ok(!passes(i, { ...f, q: "disk" }, false));
  assert.ok(passes(i, { ...f, q: "disk" }, true));
  assert.ok(!passes({ ...i, time: 0 }, { ...f, since: "3600000" }, false));
});

Deno.test("eventText() prefers the server's text, else the raw message or template", () => {
  const d = { num: 0, time: 0, level: 20, incarnation: ["a", null] };
  assert.equal(
    eventText({ d: { ...d, format: "x %(a)s" }, text: "x 1" }),
    "x 1",
  );
  assert.equal(eventText({ d: { ...d, format: "x %(a)s" } }), "x %(a)s");
  assert.equal(eventText({ d: { ...d, message: "m", args: [1] } }), "m [1]");
  assert.equal(eventText({ d }), "");
});

Deno.test("brief() shows header objects as key=value pairs", () => {
  assert.equal(
    brief({ key: "requestId", value: "r-17" }),
    "key=requestId, value=r-17",
  );
  assert.equal(brief(["a", null]), '["a",null]');
  assert.equal(brief(3), "3");
});
