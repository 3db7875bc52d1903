/**
 * `flightlog classify [--rules DIR] FILE|DIR`: what the gatherer would make
 * of incidents, offline: each one's category, fingerprint (group) and title,
 * and the rule that decided.
 *
 * @module
 */

import { commandArgs } from "./_command.ts";
import { Rules } from "../gather/rules.ts";
import { listIncidents } from "../lib/incidents.ts";
import { classifyIncident } from "../store/classify.ts";

const USAGE = `Usage: flightlog classify [--rules DIR] [--json] FILE|DIR

Prints the category, fingerprint and title of each incident (a file, or
every incident in a folder), as flightlog gather --rules DIR would.

  --rules DIR   the rules (*.ts and *.json files); without: all unknown
  --json        one JSON object per incident
  -h, --help    this help
`;

/**
 * Runs `flightlog classify ARGS`; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { classify } from "@flightlog/flightlog/cli";
 * assert.equal(await classify(["--help"]), 0);
 * ```
 */
export async function classify(args: string[]): Promise<number> {
  const parsed = commandArgs("classify", USAGE, args, {
    rules: { type: "string" },
    json: { type: "boolean" },
  }, 1);
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const target = positionals[0];
  let failed = 0;
  try {
    const paths = (await Deno.stat(target)).isDirectory
      ? (await listIncidents(target)).map((i) => i.path)
      : [target];
    await using rules = await Rules.load(values.rules, {
      onProblem: (m) => console.error(`flightlog classify: rules: ${m}`),
    });
    for (const path of paths) {
      try {
        const c = await classifyIncident(path, rules);
        const name = c.summary.name;
        console.log(
          values.json
            ? JSON.stringify({
              name,
              category: c.category,
              fingerprint: c.group,
              title: c.title,
              rule: c.rule,
            })
            : `${c.category.padEnd(14)}  ${c.group}  ${c.title}  ${name}${
              c.rule ? `  (${c.rule})` : ""
            }`,
        );
      } catch (e) {
        failed++;
        console.error(`flightlog classify: ${path}: ${(e as Error).message}`);
      }
    }
  } catch (e) {
    console.error(`flightlog classify: ${target}: ${(e as Error).message}`);
    return 1;
  }
  return failed > 0 ? 1 : 0;
}
