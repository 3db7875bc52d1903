/**
 * Soak: APPS apps (default 10) at RATE events a second each (10,000) for
 * SECONDS (60), each tailed by its own sidecar (a sidecar follows one app),
 * all pushing their incidents to one central sidecar. Reports RSS at the
 * start and the end of every process, events dropped, events received and
 * incidents stored. Not part of the tests: `deno run -A bench/soak.ts
 * [SECONDS] [APPS] [RATE]`.
 */
import { Proc } from "../tests/_util.ts";

const [seconds = "60", apps = "10", rate = "10000"] = Deno.args;
const ROOT = new URL("..", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "flightlog-soak-" });

function rss(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

async function sidecar(
  name: string,
  extra: string[],
): Promise<{ proc: Proc; url: string }> {
  const proc = new Proc([
    "run",
    "-A",
    `${ROOT}cli/sidecar.ts`,
    "--dir",
    `${dir}/${name}`,
    "--listen",
    "127.0.0.1:0",
    "--quiet",
    "--token-file",
    `${dir}/token`,
    ...extra,
  ]);
  return {
    proc,
    url: await proc.waitFor("flightlog sidecar listening on ", 60_000),
  };
}

await Deno.writeTextFile(`${dir}/token`, crypto.randomUUID() + "\n");
const central = await sidecar("central", []);
const n = Number(apps);
const tails = [];
const appProcs = [];
for (let i = 0; i < n; i++) {
  const socket = `${dir}/app${i}.sock`;
  tails.push(
    await sidecar(`side${i}`, [
      "--socket",
      socket,
      "--peer",
      central.url,
      "--peer-token-file",
      `${dir}/token`,
    ]),
  );
  const app = new Proc([
    "run",
    "-A",
    `${ROOT}bench/_soak_app.ts`,
    socket,
    rate,
    seconds,
    `app${i}`,
  ]);
  await app.waitFor("READY", 60_000);
  appProcs.push(app);
}
await new Promise((r) => setTimeout(r, 2000));
const mb = (v: number) => `${v.toFixed(0)} MB`;
const start = {
  sidecars: tails.map((t) => rss(t.proc.child.pid)),
  apps: appProcs.map((a) => rss(a.child.pid)),
  central: rss(central.proc.child.pid),
};
const stats = await Promise.all(
  appProcs.map(async (a) =>
    JSON.parse(
      await a.waitFor("{", Number(seconds) * 1000 + 60_000).then((l) =>
        "{" + l
      ),
    )
  ),
);
const end = {
  sidecars: tails.map((t) => rss(t.proc.child.pid)),
  apps: appProcs.map((a) => rss(a.child.pid)),
  central: rss(central.proc.child.pid),
};
const token = (await Deno.readTextFile(`${dir}/token`)).trim();
const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  })).text();
  return Number(
    new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, "m").exec(text)?.[1] ?? NaN,
  );
};
await new Promise((r) => setTimeout(r, 3000)); // let pushes land
const received = await Promise.all(
  tails.map((t) => metric(t.url, "flightlog_events_received_total")),
);
const written = await Promise.all(
  tails.map((t) => metric(t.url, "flightlog_incidents_written_total")),
);
const stored = await metric(central.url, "flightlog_incidents_stored");
const max = (xs: number[]) => Math.max(...xs);
console.log(`soak: ${n} apps x ${rate} events/s for ${seconds} s`);
console.log(
  `events logged ${
    stats.reduce((a, s) => a + s.logged, 0)
  }, received by sidecars ${
    received.reduce((a, b) => a + b, 0)
  }, dropped by publishers ${stats.reduce((a, s) => a + s.dropped, 0)}`,
);
console.log(
  `incidents written by sidecars ${
    written.reduce((a, b) => a + b, 0)
  }, stored centrally ${stored}`,
);
console.log(
  `RSS sidecars: start max ${mb(max(start.sidecars))}, end max ${
    mb(max(end.sidecars))
  }`,
);
console.log(
  `RSS apps:     start max ${mb(max(start.apps))}, end max ${
    mb(max(end.apps))
  }`,
);
console.log(`RSS central:  start ${mb(start.central)}, end ${mb(end.central)}`);
for (const p of [...appProcs, ...tails.map((t) => t.proc), central.proc]) {
  await p.stop();
}
await Deno.remove(dir, { recursive: true });
