import assert from "node:assert/strict";
import { ActivityLog } from "../sidecar/activity_log.ts";

function capture(options: ConstructorParameters<typeof ActivityLog>[0] = {}) {
  const lines: string[] = [];
  const log = new ActivityLog({ ...options, write: (l) => lines.push(l) });
  return { log, lines };
}

Deno.test("ActivityLog.report() writes one text line with the fields", () => {
  const { log, lines } = capture();
  log.report("app connected", { app: "shop", pid: 42 });
  assert.match(
    lines[0],
    /^\d{4}-\d\d-\d\dT\S+Z app connected: app=shop pid=42$/,
  );
});

Deno.test("ActivityLog.report() writes JSON lines with --log-format json", () => {
  const { log, lines } = capture({ format: "json" });
  log.report("app died", { app: "shop", why: "no message for 3000 ms" });
  const obj = JSON.parse(lines[0]);
  assert.equal(obj.event, "app died");
  assert.equal(obj.why, "no message for 3000 ms");
});

Deno.test("ActivityLog is silent when quiet", () => {
  const { log, lines } = capture({ quiet: true });
  log.report("app connected");
  log.bad("x", "y");
  assert.equal(lines.length, 0);
  assert.equal(log.badInput.get("x"), 1);
});

Deno.test("ActivityLog.bad() prints once per window per kind and counts the rest", () => {
  const { log, lines } = capture({ badInputWindowMs: 1000 });
  log.bad("not json", "a", 0);
  log.bad("not json", "b", 10);
  log.bad("not json", "c", 20);
  log.bad("other", "d", 30);
  log.bad("not json", "e", 2000);
  assert.equal(lines.length, 3);
  assert.match(lines[2], /suppressed=2/);
  assert.equal(log.badInput.get("not json"), 4);
});

Deno.test("ActivityLog.waiting() says a socket has not appeared, as text or JSON", () => {
  const text = capture();
  text.log.waiting("/run/shop.sock");
  assert.match(
    text.lines[0],
    /^\S+Z waiting for \/run\/shop\.sock, no app has created it yet$/,
  );
  const json = capture({ format: "json" });
  json.log.waiting("/run/shop.sock");
  const obj = JSON.parse(json.lines[0]);
  assert.equal(obj.event, "waiting for the app");
  assert.equal(obj.path, "/run/shop.sock");
  const quiet = capture({ quiet: true });
  quiet.log.waiting("/run/shop.sock");
  assert.deepEqual(quiet.lines, []);
});
