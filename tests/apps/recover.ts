// Test app: recovers the incidents in a folder (as a logger does at start),
// prints "STARTED" first and "DONE" when finished.
import { createLogger } from "../../mod.ts";

console.log("STARTED");
const log = createLogger({ incidentDir: Deno.args[0] });
await log.ready;
await log.close();
console.log("DONE");
