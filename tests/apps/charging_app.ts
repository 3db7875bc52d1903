// Test app: a charge fails in its own code, and the logged error triggers
// an incident written to the folder in argv[0]. A line near the throw holds
// a secret, which the incident's source lines must not.
import { createLogger } from "../../mod.ts";

const [dir] = Deno.args;
const log = createLogger({ incidentDir: dir, app: "shop", trailingMs: 0 });

function chargeCard(order: number): never {
  const auth = "Bearer sk_live_0123456789abcdef"; // a secret in the source
  throw new Error(`card declined for order ${order} (${auth.length})`);
}

try {
  chargeCard(17);
} catch (e) {
  log.err(e, { why: "charging failed" });
}
await log.close();
console.log(log.incidents[0].path);
