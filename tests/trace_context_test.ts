import assert from "node:assert/strict";
import { createLogger, requestContext, withContext } from "../mod.ts";
import { listIncidents } from "../lib/incidents.ts";
import {
  activeSpan,
  isTraceId,
  parseTraceparent,
} from "../lib/trace_context.ts";
import { otlpReceiver } from "./_otlp_receiver.ts";
import { Prng } from "./_prng.ts";
import { deadline, readIncident, ROOT, tempDir } from "./_util.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";
const info = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
  completed: Promise.resolve(),
} as unknown as Deno.ServeHandlerInfo<Deno.NetAddr>;

Deno.test("parseTraceparent() reads a valid header's ids", () => {
  assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-01`), {
    trace_id: TRACE,
    span_id: SPAN,
  });
  // A later version may add fields; only 00's layout is read.
  assert.deepEqual(parseTraceparent(`cc-${TRACE}-${SPAN}-01-what-next`), {
    trace_id: TRACE,
    span_id: SPAN,
  });
});

Deno.test("parseTraceparent() ignores malformed values and all-zero ids", () => {
  for (
    const bad of [
      null,
      "",
      "garbage",
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01-extra`,
      `00-${"0".repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${"0".repeat(16)}-01`,
      `00-${TRACE.slice(1)}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-1`,
      `00-${TRACE}-${SPAN}-01`.padEnd(600, "-"),
    ]
  ) assert.equal(parseTraceparent(bad), undefined, String(bad));
});

Deno.test("parseTraceparent() round-trips random ids and refuses any one bad digit", () => {
  const rng = new Prng();
  const hex = (n: number) =>
    Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join("");
  for (let i = 0; i < 500; i++) {
    const trace = hex(32);
    const span = hex(16);
    const value = `00-${trace}-${span}-${hex(2)}`;
    const zero = /^0+$/.test(trace) || /^0+$/.test(span);
    assert.deepEqual(
      parseTraceparent(value),
      zero ? undefined : { trace_id: trace, span_id: span },
      `seed ${rng.seed}: ${value}`,
    );
    const at = rng.int(0, value.length - 1);
    const broken = value.slice(0, at) + "g" + value.slice(at + 1);
    assert.equal(parseTraceparent(broken), undefined, `seed ${rng.seed}`);
  }
});

Deno.test("isTraceId() takes 32 hex digits, not all zero", () => {
  assert(isTraceId(TRACE) && isTraceId(TRACE.toUpperCase()));
  assert(!isTraceId("0".repeat(32)) && !isTraceId(SPAN));
});

Deno.test("activeSpan() is undefined without OTEL_DENO", () => {
  assert.equal(activeSpan(), undefined);
});

/** Runs `fn` with a span active in Deno's context manager, as OTEL_DENO does. */
function inSpan<T>(trace: string, span: string, fn: () => T): T {
  const cm = (Deno as unknown as {
    telemetry: {
      contextManager: {
        active(): { setValue(k: symbol, v: unknown): unknown };
        with<R>(ctx: unknown, fn: () => R): R;
      };
    };
  }).telemetry.contextManager;
  const ctx = cm.active().setValue(
    Symbol.for("OpenTelemetry Context Key SPAN"),
    { spanContext: () => ({ traceId: trace, spanId: span, traceFlags: 1 }) },
  );
  return cm.with(ctx, fn);
}

Deno.test("an event logged in Deno's active span carries its ids, over a context's and a call's", async () => {
  await using log = createLogger();
  const other = "c".repeat(32);
  inSpan(TRACE, SPAN, () => {
    log.info("plain", { trace_id: other });
    withContext({ trace_id: other, span_id: "d".repeat(16) }, () => {
      log.with({ user: "a" }).info("in a context", { span_id: "e".repeat(16) });
    });
  });
  log.info("after the span");
  const [a, b, c] = log.snapshot();
  assert.deepEqual([a.trace_id, a.span_id], [TRACE, SPAN]);
  assert.deepEqual([b.trace_id, b.span_id], [TRACE, SPAN]);
  assert(!("trace_id" in c));
});

Deno.test("requestContext() gives each event the traceparent's trace_id and span_id", async () => {
  await using log = createLogger();
  const handler = requestContext(() => {
    log.info("handled");
    return new Response("ok");
  });
  await handler(
    new Request("http://x/", {
      headers: { traceparent: `00-${TRACE}-${SPAN}-01` },
    }),
    info,
  );
  const [e] = log.snapshot();
  assert.equal(e.trace_id, TRACE);
  assert.equal(e.span_id, SPAN);
});

Deno.test("requestContext() adds no trace fields for a bad traceparent", async () => {
  await using log = createLogger();
  const handler = requestContext(() => {
    log.info("handled");
    return new Response("ok");
  });
  await handler(
    new Request("http://x/", {
      headers: { traceparent: `00-${"0".repeat(32)}-${SPAN}-01` },
    }),
    info,
  );
  const [e] = log.snapshot();
  assert(!("trace_id" in e) && !("span_id" in e));
  assert.equal(typeof e.requestId, "string");
});

Deno.test('isolateBy "trace_id": the incident holds its trace\'s events, and its header the trace_id', async () => {
  await using dir = await tempDir();
  const log = createLogger({
    incidentDir: dir.path,
    isolateBy: "trace_id",
    trailingEvents: 0,
  });
  const other = "a".repeat(32);
  const handler = requestContext(async (req) => {
    const fail = new URL(req.url).pathname === "/fail";
    for (let i = 0; i < 3; i++) {
      log.info("step {i}", { i });
      await new Promise((r) => setTimeout(r, 1));
    }
    if (fail) log.weird("failed");
    return new Response("ok");
  });
  const call = (path: string, trace: string) =>
    handler(
      new Request(`http://x${path}`, {
        headers: { traceparent: `00-${trace}-${SPAN}-01` },
      }),
      info,
    );
  await Promise.all([call("/fail", TRACE), call("/ok", other)]);
  await log.close();
  const [incident] = await listIncidents(dir.path);
  const { header, events } = await readIncident(incident.path);
  assert.equal(header.trace_id, TRACE);
  assert.deepEqual(header.isolated, { key: "trace_id", value: TRACE });
  assert.deepEqual(new Set(events.map((r) => r.d.trace_id)), new Set([TRACE]));
  assert.equal(events.length, 4);
});

/** Runs tests/apps/trace_app.ts with `env`, sends `requests`, and waits for its exit. */
async function runTraceApp(
  dir: string,
  env: Record<string, string>,
  requests: { path: string; headers?: HeadersInit }[],
): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}tests/apps/trace_app.ts`, dir],
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1", ...env },
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  try {
    const port = await deadline(
      (async () => {
        for (;;) {
          const { done, value } = await lines.read();
          if (done) throw new Error(`app ended: ${seen}`);
          seen += value;
          const m = /READY (\d+)/.exec(seen);
          if (m) return m[1];
        }
      })(),
      "READY from the app",
      30_000,
    );
    const url = `http://127.0.0.1:${port}`;
    for (const r of [...requests, { path: "/quit" }]) {
      const res = await fetch(url + r.path, { headers: r.headers });
      await res.body?.cancel();
    }
  } finally {
    const status = await deadline(child.status, "the app's exit", 30_000);
    await lines.cancel();
    assert.equal(status.code, 0);
  }
}

Deno.test("without OTEL_DENO, a served request's traceparent reaches its incident", async () => {
  await using dir = await tempDir();
  await runTraceApp(dir.path, {}, [
    {
      path: "/ok",
      headers: { traceparent: `00-${"b".repeat(32)}-${SPAN}-01` },
    },
    { path: "/fail", headers: { traceparent: `00-${TRACE}-${SPAN}-01` } },
  ]);
  const [incident] = await listIncidents(dir.path);
  const { header, events } = await readIncident(incident.path);
  assert.equal(header.trace_id, TRACE);
  // The failing request's events, and none of the other trace's (an event
  // with no trace, like /quit's, may trail).
  const traced = events.filter((r) => r.d.trace_id !== undefined);
  assert.deepEqual(new Set(traced.map((r) => r.d.trace_id)), new Set([TRACE]));
  assert.deepEqual(new Set(traced.map((r) => r.d.span_id)), new Set([SPAN]));
  assert.equal(traced.length, 5); // the request, three steps, the error
});

Deno.test("with OTEL_DENO=true, an incident's events carry the trace_id of the span Deno exported for the request", async () => {
  await using receiver = otlpReceiver();
  await using dir = await tempDir();
  await runTraceApp(dir.path, {
    OTEL_DENO: "true",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: "200",
    OTEL_SERVICE_NAME: "traced",
  }, [{ path: "/ok" }, { path: "/fail" }]);
  const [incident] = await listIncidents(dir.path);
  const { header, events } = await readIncident(incident.path);
  const traceId = header.trace_id as string;
  assert(isTraceId(traceId), String(traceId));
  // Every event of the incident is the failing request's own.
  assert.deepEqual(
    new Set(events.map((r) => r.d.trace_id)),
    new Set([traceId]),
  );
  assert(events.every((r) => /^[0-9a-f]{16}$/.test(String(r.d.span_id))));
  // Deno exported that request's span, under the same trace id.
  const spanTraces = () =>
    (receiver.bodies.get("/v1/traces") ?? []).flatMap((b) =>
      (b as {
        resourceSpans: {
          scopeSpans: { spans: { traceId: string; spanId: string }[] }[];
        }[];
      }).resourceSpans.flatMap((r) =>
        r.scopeSpans.flatMap((s) => s.spans.map((sp) => sp.traceId))
      )
    );
  await receiver.until(
    () => spanTraces().includes(traceId),
    `a span of trace ${traceId} at /v1/traces`,
  );
  assert.equal(new Set(spanTraces()).size >= 3, true, "one trace per request");
});
