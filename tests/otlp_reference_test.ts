// Our OTLP/JSON logs beside what OpenTelemetry's own JS exporter writes for
// the same record (npm, in this test only: the module has no npm
// dependency). The field names and the JSON types must match.
// deno-lint-ignore no-import-prefix
import { JsonLogsSerializer } from "npm:@opentelemetry/otlp-transformer@0.301.1";
import assert from "node:assert/strict";
import { incidentRequests } from "../otlp/logs.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

/** A JSON value's shape: its keys and their types, arrays by their items. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v).sort(([a], [b]) => a < b ? -1 : 1).map((
        [k, x],
      ) => [k, shape(x)]),
    );
  }
  return typeof v;
}

Deno.test("incidentRequests() writes what OpenTelemetry's JS exporter writes, field for field", async () => {
  const d = {
    num: 0,
    time: 1795555320.25,
    incarnation: ["0123456789abcdef", null] as [string, null],
    level: 30,
    format: "request %(user)s failed",
    user: "alice",
    trace_id: TRACE,
    span_id: SPAN,
  };
  const [ours] = await Array.fromAsync(incidentRequests([
    { header: { type: "incident", app: "shop", trigger: d } },
    { from: "local", rx_time: 1795555321, d },
  ], { name: "i" }));
  const record = ours.resourceLogs[0].scopeLogs[0].logRecords[0];
  // The same record through the reference exporter.
  const reference = JSON.parse(
    new TextDecoder().decode(
      JsonLogsSerializer.serializeRequest([{
        hrTime: [1795555320, 250000000],
        hrTimeObserved: [1795555321, 0],
        spanContext: { traceId: TRACE, spanId: SPAN, traceFlags: 1 },
        severityNumber: record.severityNumber,
        severityText: record.severityText,
        body: record.body.stringValue,
        attributes: Object.fromEntries(
          record.attributes.map((a) => {
            const [[type, v]] = Object.entries(a.value);
            return [a.key, type === "intValue" ? Number(v) : v];
          }),
        ),
        resource: {
          attributes: { "service.name": "shop" },
          schemaUrl: undefined,
        },
        instrumentationScope: ours.resourceLogs[0].scopeLogs[0].scope,
        droppedAttributesCount: 0,
        // deno-lint-ignore no-explicit-any
      } as any]) as Uint8Array,
    ),
  );
  const ref = reference.resourceLogs[0].scopeLogs[0].logRecords[0];
  // What it adds that we do not know or need: the trace flags, and counts of
  // nothing dropped.
  delete ref.flags;
  delete ref.droppedAttributesCount;
  delete reference.resourceLogs[0].resource.droppedAttributesCount;
  // It writes a 64-bit integer as a JSON number; the protobuf JSON mapping
  // OTLP/JSON follows says a decimal string, which we write (receivers take
  // both).
  for (const a of ref.attributes) {
    if ("intValue" in a.value) a.value.intValue = String(a.value.intValue);
  }
  assert.deepEqual(ref, record);
  assert.deepEqual(shape(reference), shape(ours));
});
