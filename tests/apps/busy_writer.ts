// Test app: logs and triggers incidents in a loop, forever (killed by the
// test at a random moment): history, trailing events, gzip, next incident.
// Prints "STARTED" first. Exits by itself after 30 s.
import { createLogger } from "../../mod.ts";

const [dir] = Deno.args;
const log = createLogger({
  incidentDir: dir,
  app: "busy",
  trailingEvents: 20,
  trailingMs: 5,
  rateLimit: false,
});
console.log("STARTED");
setTimeout(() => Deno.exit(3), 30_000);
let i = 0;
for (;;) {
  for (let j = 0; j < 50; j++) {
    log.info("work {i} {pad}", { i: i++, pad: "x".repeat(i % 300) });
  }
  log.weird("odd at {i}", { i });
  await new Promise((r) => setTimeout(r, 1));
}
