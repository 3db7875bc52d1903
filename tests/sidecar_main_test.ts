// `flightlog sidecar` flags and config file: the options they give, and
// errors that name the flag or field.
import assert from "node:assert/strict";
import { parseSidecarArgs, runSidecar } from "../cli/sidecar.ts";
import { tempDir } from "./_util.ts";

/** A config file in `dir` with the settings the tests read back. */
async function writeConfig(dir: string): Promise<string> {
  const cfg = `${dir}/sidecar.json`;
  await Deno.writeTextFile(`${dir}/peer-token`, "abc\n");
  await Deno.writeTextFile(
    cfg,
    JSON.stringify({
      dir: `${dir}/store`,
      socket: `${dir}/app.sock`,
      listen: "127.0.0.1:0",
      peers: ["http://127.0.0.1:9"],
      peerTokenFile: `${dir}/peer-token`,
      qualifier: { atLeast: "SCARY", facilities: { "app/cache": "never" } },
      trailingMs: 250,
      retention: { maxCount: 10, maxAgeDays: 2 },
    }),
  );
  await Deno.writeTextFile(`${dir}/ca.pem`, "-----BEGIN CERTIFICATE-----\n");
  return cfg;
}

Deno.test("parseSidecarArgs() reads the config file, and flags add to it", async () => {
  await using dir = await tempDir();
  const cfg = await writeConfig(dir.path);
  const o = await parseSidecarArgs([
    "--config",
    cfg,
    "--trailing-events",
    "7",
    "--peer-ca",
    `${dir.path}/ca.pem`,
  ]);
  assert.deepEqual(o.outbox, { caCerts: ["-----BEGIN CERTIFICATE-----\n"] });
  assert.equal(o.dir, `${dir.path}/store`);
  assert.deepEqual(o.listen, { hostname: "127.0.0.1", port: 0 });
  assert.deepEqual(o.peers, [{ url: "http://127.0.0.1:9", token: "abc" }]);
  assert.equal(o.recorder?.trailingMs, 250);
  assert.equal(o.recorder?.trailingEvents, 7);
  assert.deepEqual(o.retention, {
    maxCount: 10,
    maxAgeMs: 2 * 86_400_000,
    maxBytes: undefined,
  });
});

Deno.test("parseSidecarArgs() builds the qualifier from a level and per-facility levels", async () => {
  await using dir = await tempDir();
  const o = await parseSidecarArgs(["--config", await writeConfig(dir.path)]);
  const q = o.recorder!.qualifier as (e: unknown) => boolean;
  const ev = (level: number, facility: string) => ({
    num: 0,
    time: 0,
    incarnation: ["x", null],
    level,
    facility,
  });
  assert.equal(q(ev(35, "app/db")), true);
  assert.equal(q(ev(30, "app/db")), false);
  assert.equal(q(ev(40, "app/cache/x")), false);
});

Deno.test("parseSidecarArgs() names the config field that is wrong", async () => {
  await using dir = await tempDir();
  const cfg = `${dir.path}/sidecar.json`;
  await Deno.writeTextFile(
    cfg,
    JSON.stringify({ dir: "x", listen: "nowhere" }),
  );
  await assert.rejects(
    () => parseSidecarArgs(["--config", cfg]),
    /sidecar\.json: field "listen": expected HOST:PORT, got "nowhere"/,
  );
  await Deno.writeTextFile(cfg, JSON.stringify({ dir: "x", trailingMs: -5 }));
  await assert.rejects(
    () => parseSidecarArgs(["--config", cfg]),
    /field "trailingMs": expected a number >= 0/,
  );
  await Deno.writeTextFile(cfg, "{ not json");
  await assert.rejects(
    () => parseSidecarArgs(["--config", cfg]),
    /sidecar\.json: not valid JSON/,
  );
});

Deno.test("parseSidecarArgs() refuses a config field it does not know, naming it", async () => {
  await using dir = await tempDir();
  const cfg = `${dir.path}/sidecar.json`;
  await Deno.writeTextFile(cfg, JSON.stringify({ dir: "x", trailingMS: 10 }));
  await assert.rejects(
    () => parseSidecarArgs(["--config", cfg]),
    /sidecar\.json: unknown field "trailingMS"/,
  );
});

Deno.test("parseSidecarArgs() names the flag that is wrong or missing", async () => {
  await assert.rejects(() => parseSidecarArgs([]), /--dir is required/);
  await assert.rejects(
    () => parseSidecarArgs(["--dir", "x", "--qualify", "LOUD"]),
    /--qualify: unknown level "LOUD"/,
  );
  await assert.rejects(
    () => parseSidecarArgs(["--dir", "x", "--peer", "not a url"]),
    /--peer: not an http\(s\) URL/,
  );
});

Deno.test("runSidecar() exits 2 on bad arguments, before starting anything", async () => {
  const original = console.error;
  const printed: string[] = [];
  console.error = (text: string) => printed.push(text);
  try {
    assert.equal(await runSidecar(["--listen", "nowhere"]), 2);
  } finally {
    console.error = original;
  }
  assert.match(printed.join("\n"), /--dir is required[\s\S]*Usage:/);
});

Deno.test("parseSidecarArgs() reads the memory bounds from flags, else the config file", async () => {
  await using dir = await tempDir();
  const cfg = `${dir.path}/sidecar.json`;
  await Deno.writeTextFile(
    cfg,
    JSON.stringify({ dir: "x", maxBufferedBytes: 1000, maxAgeMs: 60_000 }),
  );
  const o = await parseSidecarArgs([
    "--config",
    cfg,
    "--max-buffered-bytes",
    "4194304",
    "--max-event-bytes",
    "2048",
  ]);
  assert.equal(o.recorder?.maxBufferedBytes, 4194304);
  assert.equal(o.recorder?.maxEventBytes, 2048);
  assert.equal(o.recorder?.maxAgeMs, 60_000);
});

Deno.test("parseSidecarArgs() names a memory bound that is not a number > 0", async () => {
  await assert.rejects(
    () => parseSidecarArgs(["--dir", "x", "--max-buffered-bytes", "0"]),
    /--max-buffered-bytes: expected a number > 0, got 0/,
  );
  await assert.rejects(
    () => parseSidecarArgs(["--dir", "x", "--max-event-bytes", "lots"]),
    /--max-event-bytes: expected a number >= 0, got "lots"/,
  );
  await using dir = await tempDir();
  const cfg = `${dir.path}/sidecar.json`;
  await Deno.writeTextFile(cfg, JSON.stringify({ dir: "x", maxAgeMs: -1 }));
  await assert.rejects(
    () => parseSidecarArgs(["--config", cfg]),
    /field "maxAgeMs": expected a number >= 0/,
  );
});
