import assert from "node:assert/strict";
import { createLogger, withContext } from "../mod.ts";
import type { OtlpLogsRequest } from "../otlp/logs.ts";
import { parseSidecarArgs } from "../cli/sidecar.ts";
import { Sidecar } from "../sidecar/sidecar.ts";
import { Gatherer } from "../gather/gatherer.ts";
import { baseName, makeIncident } from "./_server_util.ts";
import { otlpReceiver } from "./_otlp_receiver.ts";
import { tempDir } from "./_util.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

Deno.test("sidecar --otlp exports a pushed incident as OTLP logs, with its trace ids, and counts it", async () => {
  await using dir = await tempDir();
  await using receiver = otlpReceiver();
  const log = createLogger({
    incidentDir: `${dir.path}/app`,
    app: "shop",
    trailingMs: 0,
  });
  withContext({ trace_id: TRACE, span_id: SPAN }, () => {
    log.info("charging {user}", { user: "alice" });
    log.weird("card declined");
  });
  await log.close();
  const [incident] = log.incidents;
  await using sidecar = await Sidecar.start({
    dir: `${dir.path}/sidecar`,
    listen: { port: 0 },
    token: "t0ken",
    otlp: { url: receiver.url, headers: { "x-scope-orgid": "team-a" } },
  });
  const res = await fetch(
    `${sidecar.url}/v1/incidents?name=${incident.name}`,
    {
      method: "POST",
      headers: {
        authorization: "Bearer t0ken",
        "content-type": "application/gzip",
      },
      body: await Deno.readFile(incident.path),
    },
  );
  await res.body?.cancel();
  assert.equal(res.status, 201);
  await receiver.until(
    () => (receiver.bodies.get("/v1/logs") ?? []).length === 1,
    "the incident at /v1/logs",
  );
  const [body] = receiver.bodies.get("/v1/logs") as OtlpLogsRequest[];
  const records = body.resourceLogs[0].scopeLogs[0].logRecords;
  assert.deepEqual(records.map((r) => r.traceId), [TRACE, TRACE]);
  assert.deepEqual(records.map((r) => r.severityText), [
    "OPERATIONAL",
    "WEIRD",
  ]);
  const group = records[1].attributes.find((a) =>
    a.key === "flightlog.incident.group"
  );
  assert.equal(
    typeof (group?.value as { stringValue: string }).stringValue,
    "string",
  );
  assert.equal(receiver.headers[0].get("x-scope-orgid"), "team-a");
  const exported = /^flightlog_otlp_exported_total(\{[^}]*\})? 1$/m;
  await receiver.until(() => exported.test(sidecar.metrics()), "the count");
  const health = await (await fetch(`${sidecar.url}/healthz`, {
    headers: { authorization: "Bearer t0ken" }, // the detail needs read scope
  })).json();
  assert.equal(health.otlp_pending, 0);
  const metrics = sidecar.metrics();
  assert.match(metrics, /^flightlog_otlp_records_total(\{[^}]*\})? 2$/m);
});

Deno.test("parseSidecarArgs() reads --otlp, its headers and a headers file", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/h`, "# token\nx-api-key=s3cret\n");
  const opts = await parseSidecarArgs([
    "--dir",
    dir.path,
    "--otlp",
    "http://127.0.0.1:4318",
    "--otlp-header",
    "x-tenant=a",
    "--otlp-headers-file",
    `${dir.path}/h`,
    "--otlp-around",
    "5",
  ]);
  assert.deepEqual(opts.otlp, {
    url: "http://127.0.0.1:4318",
    headers: { "x-tenant": "a", "x-api-key": "s3cret" },
    around: 5,
  });
  await assert.rejects(
    parseSidecarArgs(["--dir", dir.path, "--otlp", "ftp://x"]),
    /--otlp: not an http\(s\) URL/,
  );
  await assert.rejects(
    parseSidecarArgs([
      "--dir",
      dir.path,
      "--otlp",
      "http://x",
      "--otlp-around",
      "x",
    ]),
    /--otlp-around: expected an integer >= 0/,
  );
});

Deno.test("gather --otlp exports a pushed incident with its category, and counts it", async () => {
  await using dir = await tempDir();
  await using receiver = otlpReceiver();
  const path = await makeIncident(`${dir.path}/src`, {
    app: "shop",
    template: "db timeout",
    fields: { trace_id: TRACE },
  });
  const gatherer = await Gatherer.start({
    dir: `${dir.path}/gathered`,
    listen: { hostname: "127.0.0.1", port: 0 },
    report: () => {},
    otlp: { url: receiver.url, around: 0 },
  });
  try {
    const res = await fetch(
      `${gatherer.url}/v1/incidents?name=${baseName(path)}`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${gatherer.token}` },
        body: await Deno.readFile(path),
      },
    );
    await res.body?.cancel();
    const exported = /^flightlog_otlp_exported_total(\{[^}]*\})? 1$/m;
    await receiver.until(
      async () => exported.test(await gatherer.metrics()),
      "the export",
    );
    const [body] = receiver.bodies.get("/v1/logs") as OtlpLogsRequest[];
    const records = body.resourceLogs[0].scopeLogs[0].logRecords;
    // around: 0 keeps the trigger alone.
    assert.equal(records.length, 1);
    assert.equal(records[0].traceId, TRACE);
    assert.deepEqual(
      records[0].attributes.find((a) => a.key === "flightlog.incident.category")
        ?.value,
      { stringValue: "unknown" },
    );
  } finally {
    await gatherer.close();
  }
});
