import assert from "node:assert/strict";
import type { FlogEventRecord } from "../lib/flogfile.ts";
import { Level } from "../lib/levels.ts";
import type { FlogHeader } from "../lib/flogfile.ts";
import {
  anyValue,
  type IncidentLabels,
  incidentRequests,
  type KeyValue,
  type RequestBounds,
  severityNumber,
} from "../otlp/logs.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";
const inc: [string, null] = ["0123456789abcdef", null];
const rec = (num: number, level: number, extra = {}): FlogEventRecord => ({
  from: "local",
  rx_time: 1795555320 + num,
  d: {
    num,
    time: 1795555320.25 + num,
    incarnation: inc,
    level,
    facility: "app/http",
    format: "request %(n)s failed",
    n: num,
    ...extra,
  },
});
/** The requests of an incident's header and events. */
const requests = (
  header: FlogHeader,
  events: FlogEventRecord[],
  labels: IncidentLabels,
  bounds?: RequestBounds,
) => Array.fromAsync(incidentRequests([{ header }, ...events], labels, bounds));
const attr = (list: KeyValue[], key: string) =>
  list.find((a) => a.key === key)?.value;

Deno.test("severityNumber() maps foolscap's levels to OTLP's", () => {
  assert.deepEqual(
    Object.values(Level).map(severityNumber),
    [5, 9, 13, 14, 15, 17, 18, 21],
  );
  assert.equal(severityNumber(1), 1);
  assert.equal(severityNumber(31), 17);
  assert.equal(severityNumber(99), 21);
});

Deno.test("incidentRequests() writes the specification's JSON field names and types", async () => {
  const events = [
    rec(0, 20),
    rec(1, 30, { trace_id: TRACE, span_id: SPAN, user: "alice" }),
  ];
  const [body] = await requests(
    {
      type: "incident",
      app: "shop",
      host: "web-1",
      versions: { app: "1.4.2" },
      trigger: events[1].d,
    },
    events,
    { name: "incident-x.flog.gz", group: "g1", category: "db" },
  );
  const json = JSON.parse(JSON.stringify(body));
  const [rl] = json.resourceLogs;
  assert.deepEqual(rl.resource.attributes, [
    { key: "service.name", value: { stringValue: "shop" } },
    { key: "service.version", value: { stringValue: "1.4.2" } },
    { key: "host.name", value: { stringValue: "web-1" } },
  ]);
  const [sl] = rl.scopeLogs;
  assert.equal(sl.scope.name, "flightlog");
  const [a, b] = sl.logRecords;
  assert.equal(a.timeUnixNano, "1795555320250000000");
  assert.equal(typeof a.observedTimeUnixNano, "string");
  assert.equal(a.severityNumber, 9);
  assert.equal(a.severityText, "OPERATIONAL");
  assert.deepEqual(a.body, { stringValue: "request 0 failed" });
  assert.equal(a.traceId, undefined);
  assert.equal(b.traceId, TRACE);
  assert.equal(b.spanId, SPAN);
  assert.equal(b.severityNumber, 17);
  assert.deepEqual(attr(b.attributes, "flightlog.incident.name"), {
    stringValue: "incident-x.flog.gz",
  });
  assert.deepEqual(attr(b.attributes, "flightlog.incident.group"), {
    stringValue: "g1",
  });
  assert.deepEqual(attr(b.attributes, "flightlog.incident.category"), {
    stringValue: "db",
  });
  assert.deepEqual(attr(b.attributes, "flightlog.incident.trigger"), {
    boolValue: true,
  });
  assert.equal(attr(a.attributes, "flightlog.incident.trigger"), undefined);
  assert.deepEqual(attr(b.attributes, "user"), { stringValue: "alice" });
  assert.deepEqual(attr(b.attributes, "n"), { intValue: "1" });
  assert.deepEqual(attr(b.attributes, "flightlog.facility"), {
    stringValue: "app/http",
  });
});

Deno.test("incidentRequests() records a failure as exception attributes", async () => {
  const failure = {
    "@": "Failure",
    str: "Error: boom\n    at x",
    repr: 'Error("boom")',
    traceback: "",
    name: "Error",
    message: "boom",
  };
  const e = rec(0, 35, { failure, isError: 1 });
  const [body] = await requests({ type: "incident", trigger: e.d }, [e], {
    name: "i",
  });
  const [r] = body.resourceLogs[0].scopeLogs[0].logRecords;
  assert.deepEqual(attr(r.attributes, "exception.type"), {
    stringValue: "Error",
  });
  assert.deepEqual(attr(r.attributes, "exception.stacktrace"), {
    stringValue: failure.str,
  });
  assert.equal(attr(r.attributes, "failure"), undefined);
});

Deno.test("incidentRequests() with around keeps the trigger and N events each side", async () => {
  const events = Array.from({ length: 20 }, (_, i) => rec(i, 20));
  const [body] = await requests(
    { type: "incident", trigger: events[10].d },
    events,
    { name: "i" },
    { around: 2 },
  );
  const nums = body.resourceLogs[0].scopeLogs[0].logRecords.map((r) =>
    attr(r.attributes, "flightlog.num")
  );
  assert.deepEqual(nums, [8, 9, 10, 11, 12].map((n) => ({ intValue: `${n}` })));
});

Deno.test("incidentRequests() without a trigger in the events keeps the last N + 1 with around", async () => {
  const events = Array.from({ length: 6 }, (_, i) => rec(i, 20));
  const [body] = await requests({ type: "incident" }, events, { name: "i" }, {
    around: 1,
  });
  assert.deepEqual(
    body.resourceLogs[0].scopeLogs[0].logRecords.map((r) =>
      attr(r.attributes, "flightlog.num")
    ),
    [{ intValue: "4" }, { intValue: "5" }],
  );
});

Deno.test("incidentRequests() splits a large incident into requests within the bounds, in order", async () => {
  const events = Array.from({ length: 25 }, (_, i) => rec(i, 20));
  const bodies = await requests({ type: "incident", app: "a" }, events, {
    name: "i",
  }, { maxRequestRecords: 10 });
  const nums = bodies.map((b) =>
    b.resourceLogs[0].scopeLogs[0].logRecords.map((r) =>
      Number(
        (attr(r.attributes, "flightlog.num") as { intValue: string }).intValue,
      )
    )
  );
  assert.deepEqual(nums.map((n) => n.length), [10, 10, 5]);
  assert.deepEqual(nums.flat(), events.map((_, i) => i));
  assert(
    bodies.every((b) =>
      attr(b.resourceLogs[0].resource.attributes, "service.name") !== undefined
    ),
  );
  const small = await requests({ type: "incident" }, events, { name: "i" }, {
    maxRequestBytes: 2000,
  });
  assert(small.length > 3);
  for (const b of small) {
    const recs = b.resourceLogs[0].scopeLogs[0].logRecords;
    assert(
      recs.length === 1 ||
        JSON.stringify(recs).length <= 2000 + recs.length + 1,
    );
  }
});

Deno.test("anyValue() encodes integers as strings, floats as doubles, nesting as lists", () => {
  assert.deepEqual(anyValue(2 ** 40), { intValue: "1099511627776" });
  assert.deepEqual(anyValue(1.5), { doubleValue: 1.5 });
  assert.deepEqual(anyValue({ a: [true] }), {
    kvlistValue: {
      values: [{
        key: "a",
        value: { arrayValue: { values: [{ boolValue: true }] } },
      }],
    },
  });
});
