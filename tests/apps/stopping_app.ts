// Test app: publishes on a Unix socket and waits to be stopped by a signal.
// Args: SOCKET [own | incident DIR]. With "own", it has a SIGTERM handler of
// its own, which prints "OWN HANDLER", closes the logger and exits 7. With
// "incident DIR", it writes its own incidents in DIR and starts one whose
// trailing window outlasts the test. Prints "READY" once listening,
// "CONNECTED" once a reader (the sidecar) has its history.
import { createLogger, publish } from "../../mod.ts";

const [socketPath, mode, dir] = Deno.args;
if (mode === "own") {
  Deno.addSignalListener("SIGTERM", async () => {
    console.log("OWN HANDLER");
    await log.close();
    Deno.exit(7);
  });
}
const log = createLogger({
  app: "stopper",
  incidentDir: mode === "incident" ? dir : undefined,
  trailingMs: 60_000,
});
const publisher = await publish(log, { socketPath, heartbeatMs: 200 });
log.info("stopper started");
if (mode === "incident") log.weird("something odd");
console.log("READY");
setTimeout(() => Deno.exit(3), 60_000); // never outlives its test
await publisher.connected();
console.log("CONNECTED");
