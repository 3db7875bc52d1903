// The gatherer end to end, all real processes on loopback: three apps with
// a sidecar each and one `flightlog gather`; two sidecars are pulled, one
// pushes. The same bug from two apps and from runs with shifted line
// numbers is one group; a different bug its own. Restarts of the gatherer
// and of a source lose nothing and duplicate nothing.
import assert from "node:assert/strict";
import { freePort, nextSse, Proc, ROOT, sseEvents, tempDir } from "./_util.ts";

const CLI = `${ROOT}cli/flightlog.ts`;

/**
 * The source of an app with one bug, pushed down by `pad` lines (a new
 * version where the code moved). It waits for its sidecar, hits the bug,
 * and says goodbye.
 */
function appSource(pad: number, bug: "charge" | "ship"): string {
  return "\n".repeat(pad) + `
import { createLogger, publish } from "${ROOT}mod.ts";
const [socketPath, app] = Deno.args;
const log = createLogger({ app, versions: { app: "1.${pad}" }, console: false });
const publisher = await publish(log, { socketPath });
await publisher.connected();
function chargeCard(order) { throw new TypeError("card declined for order " + order); }
function shipParcel(order) { throw new RangeError("no courier for order " + order); }
log.info("handling order {order}", { order: ${pad} });
try {
  ${bug === "charge" ? "chargeCard" : "shipParcel"}(${pad});
} catch (error) {
  log.weird("${
    bug === "charge" ? "charging" : "shipping"
  } order {order} failed", { order: ${pad}, error });
}
await publisher.close("bye");
await log.close();
console.log("DONE");
`;
}

class Fleet {
  readonly dir: string;
  readonly token: string;
  readonly gatherPort = freePort();
  readonly sidecarPorts = [freePort(), freePort(), freePort()];
  readonly procs = new Set<Proc>();
  gatherer: Proc | undefined;
  readonly sidecars: (Proc | undefined)[] = [];
  #apps = 0;

  constructor(dir: string) {
    this.dir = dir;
    this.token = `${dir}/token`;
  }

  url(port: number): string {
    return `http://127.0.0.1:${port}`;
  }

  async startGatherer(): Promise<void> {
    const p = new Proc([
      "run",
      "-A",
      CLI,
      "gather",
      "--dir",
      `${this.dir}/gathered`,
      "--listen",
      `127.0.0.1:${this.gatherPort}`,
      "--token-file",
      this.token,
      "--source",
      this.url(this.sidecarPorts[0]),
      "--source",
      this.url(this.sidecarPorts[1]),
      "--source-token-file",
      this.token,
    ]);
    this.procs.add(p);
    await p.waitFor("flightlog gather listening on ");
    this.gatherer = p;
  }

  async startSidecar(i: number): Promise<void> {
    const p = new Proc([
      "run",
      "-A",
      CLI,
      "sidecar",
      "--dir",
      `${this.dir}/sidecar${i}`,
      "--socket",
      `${this.dir}/app${i}.sock`,
      "--listen",
      `127.0.0.1:${this.sidecarPorts[i]}`,
      "--token-file",
      this.token,
      "--trailing-ms",
      "0",
      "--quiet",
      // The third sidecar pushes to the gatherer; the others are pulled.
      ...(i === 2
        ? ["--peer", this.url(this.gatherPort), "--peer-token-file", this.token]
        : []),
    ]);
    this.procs.add(p);
    await p.waitFor("flightlog sidecar listening on ");
    this.sidecars[i] = p;
  }

  /** Runs one app next to sidecar `i` until it has hit its bug and left. */
  async runApp(i: number, app: string, pad: number, bug: "charge" | "ship") {
    // Each run is a checkout of its own version: the same file name.
    const run = `${this.dir}/run-${this.#apps++}`;
    await Deno.mkdir(run);
    const file = `${run}/shop.js`;
    await Deno.writeTextFile(file, appSource(pad, bug));
    const p = new Proc(["run", "-A", file, `${this.dir}/app${i}.sock`, app]);
    this.procs.add(p);
    await p.waitFor("DONE");
    await p.stop();
  }

  async stop(p: Proc | undefined): Promise<void> {
    if (p === undefined) return;
    this.procs.delete(p);
    await p.stop();
  }

  async api<T>(path: string): Promise<T> {
    const token = (await Deno.readTextFile(this.token)).trim();
    const res = await fetch(this.url(this.gatherPort) + path, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200, path);
    return await res.json();
  }

  /** Waits until the gatherer has stored `n` incidents, through its stream. */
  async gathered(n: number): Promise<void> {
    const token = (await Deno.readTextFile(this.token)).trim();
    const res = await fetch(
      this.url(this.gatherPort) + "/v1/incidents/stream",
      {
        headers: { authorization: `Bearer ${token}`, "last-event-id": "0" },
      },
    );
    const events = sseEvents(res);
    const names = new Set<string>();
    try {
      while (names.size < n) {
        const e = await nextSse(
          events,
          `incident ${names.size + 1} of ${n}`,
          (e) => e.event === "incident",
          60_000,
        );
        names.add(JSON.parse(e.data).name);
      }
    } finally {
      await events.cancel();
    }
  }

  async [Symbol.asyncDispose]() {
    await Promise.all([...this.procs].map((p) => p.stop()));
  }
}

interface Listed {
  name: string;
  group: string;
  source: string;
  app: string;
}

Deno.test({
  name:
    "gather groups one bug across apps, versions and transports, and restarts lose and duplicate nothing",
  fn: async () => {
    await using dir = await tempDir();
    await using fleet = new Fleet(dir.path);
    await fleet.startSidecar(0);
    await fleet.startSidecar(1);
    await fleet.startGatherer();
    await fleet.startSidecar(2);

    // One bug in two apps and three versions (shifted lines), through all
    // three sidecars; and a different bug.
    await fleet.runApp(0, "shop", 0, "charge");
    await fleet.runApp(1, "shop-eu", 7, "charge");
    await fleet.runApp(2, "shop", 13, "charge");
    await fleet.runApp(0, "shop", 21, "ship");
    await fleet.gathered(4);

    const { groups } = await fleet.api<
      {
        groups: {
          title: string;
          count: number;
          apps: string[];
          versions: string[];
        }[];
      }
    >("/v1/groups?sort=count");
    assert.deepEqual(groups.map((g) => [g.title, g.count]), [
      ["charging order {order} failed", 3],
      ["shipping order {order} failed", 1],
    ]);
    assert.deepEqual(groups[0].apps.sort(), ["shop", "shop-eu"]);
    assert.deepEqual(groups[0].versions.sort(), ["1.0", "1.13", "1.7"]);

    // The gatherer goes away; incidents keep coming at a pulled and at the
    // pushing sidecar. Back, it catches up from its cursors and the outbox.
    await fleet.stop(fleet.gatherer);
    await fleet.runApp(1, "shop-eu", 3, "charge");
    await fleet.runApp(2, "shop", 5, "ship");
    await fleet.startGatherer();
    await fleet.gathered(6);

    // A pulled source restarts while the gatherer follows it.
    await fleet.stop(fleet.sidecars[0]);
    await fleet.startSidecar(0);
    await fleet.runApp(0, "shop", 9, "charge");
    await fleet.gathered(7);

    const { incidents, total } = await fleet.api<
      { incidents: Listed[]; total: number }
    >("/v1/incidents?limit=100");
    assert.equal(total, 7, "every incident once");
    assert.equal(new Set(incidents.map((i) => i.name)).size, 7);
    const sources = incidents.map((i) => i.source);
    assert.equal(sources.filter((s) => s === "push").length, 2);
    assert.equal(
      sources.filter((s) => s === fleet.url(fleet.sidecarPorts[0])).length,
      3,
    );
    assert.equal(
      sources.filter((s) => s === fleet.url(fleet.sidecarPorts[1])).length,
      2,
    );
    const after = await fleet.api<{ groups: { count: number }[] }>(
      "/v1/groups?sort=count",
    );
    assert.deepEqual(after.groups.map((g) => g.count), [5, 2]);
  },
});
