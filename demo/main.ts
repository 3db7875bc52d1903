/**
 * `deno task demo`: runs the sample shop app, which records an incident,
 * then prints where the incident is and what it holds.
 *
 * @module
 */

import { createLogger, dumpLines, listIncidents, readFlog } from "../mod.ts";
import { runShop } from "./shop_app.ts";

const dir = Deno.args[0] ?? "./demo-output/incidents";
await Deno.mkdir(dir, { recursive: true });
const before = new Set((await listIncidents(dir)).map((i) => i.name));

console.log(
  `flightlog demo: running the sample shop app (incidents go to ${dir})\n`,
);
const log = createLogger({
  incidentDir: dir,
  app: "shop",
  versions: { shop: "1.0.0" },
  trailingMs: 300,
});
await runShop(log, 40);
await log.close();

const fresh = (await listIncidents(dir)).filter((i) => !before.has(i.name));
for (const i of fresh) {
  console.log(`incident: ${i.path}`);
  console.log(
    `  trigger: ${i.summary} (level ${i.level}, facility ${i.facility})`,
  );
  console.log(`  ${i.events} events, ${i.bytes} bytes gzipped\n`);
}
const incident = fresh.at(-1);
if (incident === undefined) {
  console.error("no incident was recorded: that is a bug");
  Deno.exit(1);
}
console.log(`--- deno task dump ${incident.path} (last 15 lines)`);
const lines = await Array.fromAsync(dumpLines(readFlog(incident.path)));
console.log(lines.slice(-15).join("\n"));
console.log(`\nLook at it yourself:
  deno task dump ${incident.path}
  zcat ${incident.path} | head        # the raw flogfile v1 (JSON lines)
  zcat ${incident.path} > x.flog && flogtool dump x.flog   # with foolscap's tool`);
