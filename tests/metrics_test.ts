// Prometheus text: rendering and label escaping, and the sidecar's /metrics.
import assert from "node:assert/strict";
import { escapeLabel, renderMetrics } from "../http/metrics.ts";
import { tempDir } from "./_util.ts";
import { client, startSidecar } from "./_server_util.ts";

Deno.test("renderMetrics() writes HELP, TYPE and one sample per metric", () => {
  const text = renderMetrics([
    { name: "a_total", type: "counter", help: "As.", value: 3 },
    { name: "b", type: "gauge", help: "Bs.", value: 0.5 },
  ], { app: "shop" });
  assert.equal(
    text,
    '# HELP a_total As.\n# TYPE a_total counter\na_total{app="shop"} 3\n' +
      '# HELP b Bs.\n# TYPE b gauge\nb{app="shop"} 0.5\n',
  );
});

Deno.test("renderMetrics() writes no braces without labels", () => {
  assert.equal(
    renderMetrics([{ name: "up", type: "gauge", help: "Up.", value: 1 }]),
    "# HELP up Up.\n# TYPE up gauge\nup 1\n",
  );
});

Deno.test("escapeLabel() escapes backslash, double quote and newline", () => {
  assert.equal(escapeLabel('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
});

Deno.test("Sidecar serves its counters as Prometheus text at /metrics", async () => {
  await using dir = await tempDir();
  await using sidecar = await startSidecar(`${dir.path}/s`);
  const metrics = await (await client(sidecar).get("/metrics")).text();
  const samples = new Map<string, number>();
  for (const line of metrics.split("\n")) {
    if (
      line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")
    ) continue;
    const m = /^([a-z_]+)\{app="[^"]*"\} (-?\d+(?:\.\d+)?)$/.exec(line);
    assert.ok(m, `not Prometheus text: ${line}`);
    samples.set(m[1], Number(m[2]));
  }
  for (
    const name of [
      "flightlog_events_received_total",
      "flightlog_events_dropped_total",
      "flightlog_incidents_written_total",
      "flightlog_incidents_stored",
      "flightlog_pushes_pending",
      "flightlog_pushes_failed_total",
      "flightlog_app_connected",
    ]
  ) {
    assert.ok(samples.has(name), name);
  }
});

Deno.test("Sidecar /metrics counts buffered bytes, events cut and events dropped for bytes", async () => {
  await using dir = await tempDir();
  await using sidecar = await startSidecar(`${dir.path}/s`, {
    recorder: { maxBufferedBytes: 20_000, maxEventBytes: 4096 },
  });
  const inc: [string, null] = ["metrics", null];
  for (let num = 0; num < 20; num++) {
    sidecar.recorder.record({
      num,
      time: 1,
      incarnation: inc,
      level: 20,
      facility: `f/${num}`,
      message: "x".repeat(num === 0 ? 100_000 : 2000),
    });
  }
  const text = await (await client(sidecar).get("/metrics")).text();
  const sample = (name: string) =>
    Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, "m").exec(text)?.[1]);
  assert.equal(sample("flightlog_events_cut_total"), 1);
  assert.ok(sample("flightlog_events_dropped_for_bytes_total") > 0);
  const bytes = sample("flightlog_buffered_bytes");
  assert.ok(bytes > 0 && bytes <= 20_000, `${bytes} bytes`);
  assert.equal(sample("flightlog_events_dropped_for_age_total"), 0);
});
