/**
 * `flightlog reindex DIR`: rebuilds a store's index from its incident
 * files, keeping group statuses, pull cursors and pending alerts.
 *
 * @module
 */

import { commandArgs } from "./_command.ts";
import { Rules } from "../gather/rules.ts";
import { reindex as rebuild } from "../store/sqlite/reindex.ts";

const USAGE = `Usage: flightlog reindex [--rules DIR] DIR

Rebuilds DIR/index.sqlite from the incident files in DIR (stop the server
using DIR first). Group statuses, pull cursors and pending alert deliveries
are kept; the old index stays as index.sqlite.old.

  --rules DIR   classify with these rules (as flightlog gather --rules)
  -h, --help    this help
`;

/**
 * Runs `flightlog reindex ARGS`; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { reindex } from "@flightlog/flightlog/cli";
 * assert.equal(await reindex(["--help"]), 0);
 * ```
 */
export async function reindex(args: string[]): Promise<number> {
  const parsed = commandArgs("reindex", USAGE, args, {
    rules: { type: "string" },
  }, 1);
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const dir = positionals[0];
  try {
    if (!(await Deno.stat(dir)).isDirectory) throw new Error("not a folder");
    await using rules = await Rules.load(values.rules, {
      onProblem: (m) => console.error(`flightlog reindex: rules: ${m}`),
    });
    const r = await rebuild(dir, rules);
    console.log(
      `indexed ${r.incidents} incidents in ${r.groups} groups` +
        (r.hadIndex
          ? `; kept ${r.statuses} group statuses; old index: ${dir}/index.sqlite.old`
          : ""),
    );
    return 0;
  } catch (e) {
    console.error(`flightlog reindex: ${dir}: ${(e as Error).message}`);
    return 1;
  }
}
