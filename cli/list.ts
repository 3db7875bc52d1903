/**
 * `flightlog list DIR`: the incidents in a folder, newest first, one line
 * each (time, level, app, events, file name, summary), or JSON lines.
 *
 * @module
 */

import { commandArgs } from "./_command.ts";
import { listIncidents } from "../lib/incidents.ts";
import { levelName } from "../lib/levels.ts";

const USAGE = `Usage: flightlog list [--json] DIR

Lists the incidents in DIR, newest first: time (UTC), trigger level, app,
number of events, file name (for dump, filter, web) and the trigger's text.
Incomplete ones (being written, or left by a crash) are marked.

  --json      one JSON object per incident
  -h, --help  this help
`;

/**
 * Runs `flightlog list ARGS`; returns the exit code (1 for a folder that
 * cannot be read, 2 for bad usage).
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
    if (!(await Deno.stat(dir)).isDirectory) {
      console.error(`flightlog list: ${dir}: not a folder\n\n${USAGE}`);
      return 2;
    }
  } catch (e) {
    console.error(`flightlog list: ${dir}: ${(e as Error).message}`);
    return 1;
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
      }  ${i.name}  ${i.summary}${mark}`,
    );
  }
  return 0;
}
