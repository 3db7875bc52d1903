// Test app: records an incident with a long trailing window, says where,
// keeps logging trailing events, and waits to be killed (at most 60 s).
import { createLogger } from "../../mod.ts";

const [dir] = Deno.args;
const log = createLogger({
  incidentDir: dir,
  app: "crasher",
  trailingMs: 60_000,
});
for (let i = 0; i < 20; i++) log.info("working on item {i}", { i });
log.weird("something odd with item {i}", { i: 20 });
for (let i = 0; i < 5; i++) log.info("trailing {i}", { i });
const active = log.recorder.activeIncident!;
setTimeout(() => {
  console.log(`TRIGGERED ${active.path}`);
}, 200);
setTimeout(() => Deno.exit(3), 60_000);
