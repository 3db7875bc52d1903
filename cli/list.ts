/**
 * `flightlog list DIR`: the incidents in a folder, newest first, one line
 * each (time, level, app, events, summary), or JSON lines.
 *
 * @module
 */

import { commandArgs } from "./_command.ts";
import { listIncidents } from "../lib/incidents.ts";
import { levelName } from "../lib/levels.ts";

const USAGE = `Usage: flightlog list [--json] DIR

Lists the incidents in DIR, newest first: time (UTC), trigger level, app,
number of events and the trigger's text. Incomplete ones (being written, or
left by a crash) are marked.

  --json      one JSON object per incident
  -h, --help  this help
`;

/**
 * Runs `flightlog list ARGS`; returns the exit code (2 on bad usage or an
 * unreadable folder).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { list } from "./list.ts";
 * assert.equal(await list(["--help"]), 0);
 * ```
 */
export async function list(args: string[]): Promise<number> {
  const parsed = commandArgs("list", USAGE, args, {
    json: { type: "boolean" },
  }, 1);
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const dir = positionals[0];
  try {
    if (!(await Deno.stat(dir)).isDirectory) throw new Error("not a folder");
  } catch (e) {
    console.error(`flightlog list: ${dir}: ${(e as Error).message}`);
    return 2;
  }
  const incidents = (await listIncidents(dir)).reverse();
  for (const i of incidents) {
    if (values.json) {
      console.log(JSON.stringify(i));
      continue;
    }
    const time = new Date(i.time).toISOString().slice(0, 19).replace("T", " ");
    const level = i.level === undefined ? "?" : levelName(i.level);
    const mark = i.complete ? "" : " (incomplete)";
    console.log(
      `${time}  ${level.padEnd(11)} ${(i.app ?? "-").padEnd(12)} ${
        String(i.events).padStart(6)
      }  ${i.summary}${mark}`,
    );
  }
  return 0;
}
