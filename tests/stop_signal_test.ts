// Stopping is not crashing: an app stopped by SIGTERM or SIGINT says
// goodbye and ends as it would have without flightlog; its sidecar records
// a stop, not a crash. SIGKILL still leaves a crash incident.
import assert from "node:assert/strict";
import { deadline, Proc, ROOT, tempDir } from "./_util.ts";
import { listIncidents } from "../lib/incidents.ts";

const APP = `${ROOT}tests/apps/stopping_app.ts`;

async function startSidecar(dir: string, socket: string) {
  const proc = new Proc([
    "run",
    "-A",
    `${ROOT}cli/sidecar.ts`,
    "--dir",
    `${dir}/store`,
    "--socket",
    socket,
    "--listen",
    "127.0.0.1:0",
    "--trailing-ms",
    "100",
  ]);
  const url = await proc.waitFor("flightlog sidecar listening on ");
  const token = (await Deno.readTextFile(await proc.waitFor("token file: ")))
    .trim();
  const get = async (path: string) => {
    const res = await fetch(url + path, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200, path);
    return res;
  };
  /** The rest of the next activity line whose event is `event`. */
  const activity = async (event: string) => {
    for (let i = 0; i < 100; i++) {
      const line = await proc.waitFor("20"); // lines start with the time
      const at = line.indexOf(` ${event}`);
      if (at >= 0) return line.slice(at + event.length + 1);
    }
    throw new Error(`no "${event}" line`);
  };
  return {
    proc,
    activity,
    async incidents(): Promise<Record<string, unknown>[]> {
      return (await (await get("/v1/incidents")).json()).incidents;
    },
    async metric(name: string): Promise<number> {
      const text = await (await get("/metrics")).text();
      const line = text.split("\n").find((l) => l.startsWith(name));
      return Number(line?.split(" ").at(-1));
    },
  };
}

async function startApp(socket: string, ...args: string[]): Promise<Proc> {
  const app = new Proc(["run", "-A", APP, socket, ...args]);
  await app.waitFor("READY");
  return app;
}

Deno.test("SIGTERM to an app with a sidecar: goodbye, exit 143, an 'app stopped' line and metric, no incident", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/app.sock`;
  const sidecar = await startSidecar(dir.path, socket);
  const app = await startApp(socket);
  await app.waitFor("CONNECTED");
  assert.equal((await app.stop("SIGTERM")).code, 143);
  assert.match(
    await sidecar.activity("app stopped"),
    /reason="signal SIGTERM"/,
  );
  assert.match(await sidecar.activity("app disconnected"), /why=goodbye/);
  assert.equal(await sidecar.metric("flightlog_app_stops_total"), 1);
  assert.equal(await sidecar.metric("flightlog_app_deaths_total"), 0);
  assert.deepEqual(await sidecar.incidents(), []);
  assert.equal((await sidecar.proc.stop("SIGTERM")).code, 0);
});

Deno.test("SIGKILL to an app with a sidecar still gives a crash incident", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/app.sock`;
  const sidecar = await startSidecar(dir.path, socket);
  const app = await startApp(socket);
  await app.waitFor("CONNECTED");
  await app.stop("SIGKILL");
  await sidecar.activity("app died");
  const incidents = await deadline(
    (async () => {
      for (;;) {
        const list = await sidecar.incidents();
        if (list.length > 0) return list;
        await new Promise((r) => setTimeout(r, 50));
      }
    })(),
    "the crash incident",
  );
  assert.match(String(incidents[0].summary), /went away without a goodbye/);
  assert.equal(await sidecar.metric("flightlog_app_stops_total"), 0);
  assert.equal((await sidecar.proc.stop("SIGTERM")).code, 0);
});

Deno.test("SIGINT to an app that publishes ends it with 130, as without flightlog", async () => {
  await using dir = await tempDir();
  const app = await startApp(`${dir.path}/app.sock`);
  assert.equal((await app.stop("SIGINT")).code, 130);
});

Deno.test("an app with a SIGTERM handler of its own ends as its handler says", async () => {
  await using dir = await tempDir();
  const socket = `${dir.path}/app.sock`;
  const sidecar = await startSidecar(dir.path, socket);
  const app = await startApp(socket, "own");
  await app.waitFor("CONNECTED");
  app.child.kill("SIGTERM");
  await app.waitFor("OWN HANDLER");
  assert.equal((await app.stop("SIGCONT")).code, 7);
  // A stop either way (its handler, first, closed the logger: "logger closed").
  assert.match(await sidecar.activity("app stopped"), /app=stopper/);
  assert.deepEqual(await sidecar.incidents(), []);
  assert.equal((await sidecar.proc.stop("SIGTERM")).code, 0);
});

Deno.test("SIGTERM finishes the incident the app is recording before it exits", async () => {
  await using dir = await tempDir();
  const app = await startApp(`${dir.path}/app.sock`, "incident", dir.path);
  assert.equal((await app.stop("SIGTERM")).code, 143);
  const incidents = await listIncidents(dir.path);
  assert.equal(incidents.length, 1);
  assert(incidents[0].complete, "finished, not left for recovery");
  assert.equal(incidents[0].summary, "something odd");
});
