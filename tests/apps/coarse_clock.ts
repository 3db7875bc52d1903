// Test app: logs with the coarse clock while busy, and prints the largest
// distance of an event's time from Date.now(), whether times ever went
// backwards, and "DONE". It must then exit by itself (the clock's thread
// does not keep it alive).
import { createLogger } from "../../mod.ts";

const log = createLogger({ clock: "coarse" });
let maxLagMs = 0;
let backwards = false;
let last = 0;
log.onEvent((e) => {
  const t = e.time * 1000;
  maxLagMs = Math.max(maxLagMs, Math.abs(Date.now() - t));
  if (t < last) backwards = true;
  last = t;
});
const end = Date.now() + 300;
while (Date.now() < end) log.info("busy {n}", { n: 1 });
await new Promise((r) => setTimeout(r, 20));
log.info("after a pause");
await log.close();
console.log(JSON.stringify({ maxLagMs, backwards }));
console.log("DONE");
