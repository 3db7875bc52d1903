import assert from "node:assert/strict";
import { createLogger } from "../mod.ts";
import {
  type ExportableIncident,
  type ExportSource,
  OtlpExport,
} from "../otlp/export.ts";
import { NodeState } from "../store/sqlite/node_state.ts";
import type { OtlpLogsRequest } from "../otlp/logs.ts";
import { otlpReceiver } from "./_otlp_receiver.ts";
import { deadline, freePort, tempDir } from "./_util.ts";

const FAST = { baseDelayMs: 5, maxDelayMs: 40, onError() {} };

/** Checkpoints in memory (a node's are in `node.sqlite`). */
const checkpoints = () => {
  const m = new Map<string, string>();
  return {
    get: (k: string) => m.get(k),
    set: (k: string, v: string) => void m.set(k, v),
  };
};

/** A store stand-in: incidents written by a real logger, in a list. */
class Source implements ExportSource {
  readonly list: (ExportableIncident & { path: string })[] = [];
  readonly #listeners = new Set<(s: ExportableIncident) => void>();
  constructor(readonly dir: string) {}
  /** Writes an incident and stores it; returns its name. */
  async incident(text: string): Promise<string> {
    const log = createLogger({
      incidentDir: this.dir,
      app: "shop",
      trailingEvents: 0,
    });
    log.info("before {text}", { text });
    log.weird(text);
    await log.close();
    const [info] = log.incidents;
    const s = { id: this.list.length + 1, name: info.name, path: info.path };
    this.list.push(s);
    for (const fn of this.#listeners) fn(s);
    return info.name;
  }
  latestId() {
    return this.list.length;
  }
  after(id: number) {
    return this.list.filter((s) => s.id > id).slice(0, 2); // pages of 2
  }
  subscribe(fn: (s: ExportableIncident) => void) {
    this.#listeners.add(fn);
    return () => void this.#listeners.delete(fn);
  }
  async read(name: string) {
    const s = this.list.find((x) => x.name === name);
    return s && (await Deno.open(s.path)).readable;
  }
}

const sentNames = (bodies: unknown[] | undefined) =>
  (bodies ?? []).map((b) =>
    (b as OtlpLogsRequest).resourceLogs[0].scopeLogs[0].logRecords[0]
      .attributes.find((a) => a.key === "flightlog.incident.name")!.value
  ).map((v) => (v as { stringValue: string }).stringValue);

Deno.test("OtlpExport posts each new incident to URL/v1/logs with its headers", async () => {
  await using dir = await tempDir();
  await using receiver = otlpReceiver();
  const source = new Source(dir.path);
  const cp = checkpoints();
  const old = await source.incident("before the export");
  await using exp = await OtlpExport.open(source, cp, {
    ...FAST,
    url: receiver.url + "/",
    headers: { "x-api-key": "k1" },
  });
  const name = await source.incident("disk full");
  await receiver.until(() => exp.stats.delivered === 1, "one delivery");
  assert.deepEqual(sentNames(receiver.bodies.get("/v1/logs")), [name]);
  assert.notEqual(name, old); // a new export starts from now
  assert.equal(receiver.headers[0].get("x-api-key"), "k1");
  assert.equal(receiver.headers[0].get("content-type"), "application/json");
  assert.equal(exp.stats.records, 2);
});

Deno.test("OtlpExport survives the receiver being down: nothing lost, nothing sent twice", async () => {
  await using dir = await tempDir();
  const port = freePort();
  const source = new Source(dir.path);
  const cp = checkpoints();
  await using exp = await OtlpExport.open(source, cp, {
    ...FAST,
    url: `http://127.0.0.1:${port}`,
  });
  const names = [
    await source.incident("one"),
    await source.incident("two"),
    await source.incident("three"),
  ];
  await deadline(
    (async () => {
      while (exp.stats.failed < 3) await new Promise((r) => setTimeout(r, 5));
    })(),
    "three failed attempts",
  );
  await using receiver = otlpReceiver(port);
  await receiver.until(() => exp.stats.delivered === 3, "three deliveries");
  assert.deepEqual(sentNames(receiver.bodies.get("/v1/logs")), names);
  assert.equal(exp.stats.pending, 0);
});

Deno.test("OtlpExport sends what was pending at close after reopening, and not what was taken", async () => {
  await using dir = await tempDir();
  await using receiver = otlpReceiver();
  const source = new Source(dir.path);
  const opts = { ...FAST, url: receiver.url };
  // The node's real state, closed and opened again as a restart does.
  const state = await NodeState.open(`${dir.path}/node`);
  const first = await OtlpExport.open(source, state, opts);
  const taken = await source.incident("taken");
  await receiver.until(() => first.stats.delivered === 1, "first delivery");
  receiver.status = 503;
  const pending = await source.incident("pending");
  await receiver.until(() => first.stats.failed > 0, "a failed attempt");
  await first.close();
  state.close();
  receiver.status = 200;
  using reopened = await NodeState.open(`${dir.path}/node`);
  await using second = await OtlpExport.open(source, reopened, opts);
  await receiver.until(() => second.stats.delivered === 1, "the pending one");
  assert.deepEqual(sentNames(receiver.bodies.get("/v1/logs")), [
    taken,
    pending,
  ]);
});

Deno.test("OtlpExport gives up an incident refused with 400, reports it, and goes on", async () => {
  await using dir = await tempDir();
  await using receiver = otlpReceiver();
  const source = new Source(dir.path);
  const cp = checkpoints();
  const errors: string[] = [];
  await using exp = await OtlpExport.open(source, cp, {
    ...FAST,
    url: receiver.url,
    onError: (m) => errors.push(m),
  });
  receiver.status = 400;
  const refused = await source.incident("refused");
  await receiver.until(() => exp.stats.rejected === 1, "a rejection");
  receiver.status = 200;
  await source.incident("taken");
  await receiver.until(() => exp.stats.delivered === 1, "the next one");
  assert.equal(receiver.headers.length, 2, "the refused one is not retried");
  assert.match(errors.join("\n"), new RegExp(`refused ${refused} \\(400\\)`));
});

Deno.test("OtlpExport retries a 429", async () => {
  await using dir = await tempDir();
  await using receiver = otlpReceiver();
  const source = new Source(dir.path);
  const cp = checkpoints();
  await using exp = await OtlpExport.open(source, cp, {
    ...FAST,
    url: receiver.url,
  });
  receiver.status = 429;
  await source.incident("busy");
  await receiver.until(() => exp.stats.failed >= 2, "two attempts");
  receiver.status = 200;
  await receiver.until(() => exp.stats.delivered === 1, "a delivery");
  assert.equal(exp.stats.rejected, 0);
});

Deno.test("OtlpExport sends a large incident in several requests, none twice when one fails", async () => {
  await using dir = await tempDir();
  let calls = 0;
  const taken: number[][] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const body = await req.json() as OtlpLogsRequest;
      if (++calls === 2) return new Response("busy", { status: 503 });
      taken.push(
        body.resourceLogs[0].scopeLogs[0].logRecords.map((r) =>
          Number(
            (r.attributes.find((a) => a.key === "flightlog.num")!.value as {
              intValue: string;
            }).intValue,
          )
        ),
      );
      return new Response("{}");
    },
  );
  try {
    const source = new Source(dir.path);
    const cp = checkpoints();
    await using exp = await OtlpExport.open(source, cp, {
      ...FAST,
      url: `http://127.0.0.1:${server.addr.port}`,
      maxRequestRecords: 1,
    });
    await source.incident("big"); // two events: two requests
    await deadline(
      (async () => {
        while (exp.stats.delivered < 1) {
          await new Promise((r) => setTimeout(r, 5));
        }
      })(),
      "the delivery",
    );
    assert.deepEqual(taken, [[0], [1]]);
    assert.equal(exp.stats.failed, 1);
    assert.equal(exp.stats.records, 2);
  } finally {
    await server.shutdown();
  }
});

Deno.test("OtlpExport.open() refuses a damaged checkpoint, naming it", async () => {
  await using dir = await tempDir();
  const cp = checkpoints();
  cp.set("otlp_export_cursor", "x1");
  await assert.rejects(
    OtlpExport.open(new Source(dir.path), cp, { url: "http://127.0.0.1:9" }),
    /checkpoint otlp_export_cursor: expected an incident id/,
  );
});
