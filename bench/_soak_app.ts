// Soak app: publishes RATE events a second on SOCKET for SECONDS, with a
// WEIRD event every 10 s (an incident), then prints its publisher's stats
// as one JSON line and exits.
import { createLogger } from "../lib/create_logger.ts";
import { publish } from "../lib/publisher.ts";

const [socketPath, rate, seconds, name] = Deno.args;
const log = createLogger({ app: name });
const publisher = await publish(log, { socketPath });
console.log("READY");
await publisher.connected();
const http = log.child("http");
const perTick = Number(rate) / 100; // a tick every 10 ms
const end = Date.now() + Number(seconds) * 1000;
let n = 0;
let nextIncident = Date.now() + 10_000;
while (Date.now() < end) {
  const tickEnd = Date.now() + 10;
  for (let i = 0; i < perTick; i++) {
    http.info("GET {path} {status} in {ms} ms", {
      path: `/cart/${n % 100}`,
      status: 200,
      ms: n % 37,
      requestId: `r${n++}`,
    });
  }
  if (Date.now() >= nextIncident) {
    log.weird("payment provider slow: {ms} ms", { ms: 9000 });
    nextIncident += 10_000;
  }
  await new Promise((r) => setTimeout(r, Math.max(0, tickEnd - Date.now())));
}
await publisher.flush(5000);
console.log(JSON.stringify({ logged: n, ...publisher.stats }));
await publisher.close("soak over");
await log.close();
