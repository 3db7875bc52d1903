/**
 * What every `flightlog` command does with its arguments: parse them
 * (`node:util`'s `parseArgs`), answer `-h`/`--help` with the usage, and
 * refuse bad ones with the reason and the usage (exit code 2).
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { flagProblem } from "./_did_you_mean.ts";

/**
 * Parses `args` of `flightlog COMMAND` with `options` (plus `-h`/`--help`)
 * and `positionals` positional arguments (a count, or a check naming what is
 * wrong); the exit code instead when the command is over: 0 after the usage,
 * 2 after an error.
 */
export function commandArgs<O extends ParseArgsOptionsConfig>(
  command: string,
  usage: string,
  args: string[],
  options: O,
  positionals: number | ((p: string[]) => string | undefined),
) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { ...options, help: { type: "boolean", short: "h" } } as
        & O
        & { help: { type: "boolean"; short: "h" } },
    });
  } catch (e) {
    const problem = flagProblem((e as Error).message, usage);
    console.error(`flightlog ${command}: ${problem}\n\n${usage}`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    return 0;
  }
  const problem = typeof positionals === "number"
    ? parsed.positionals.length === positionals
      ? undefined
      : `expected ${positionals} argument${
        positionals === 1 ? "" : "s"
      }, got ${parsed.positionals.length}`
    : positionals(parsed.positionals);
  if (problem !== undefined) {
    console.error(`flightlog ${command}: ${problem}\n\n${usage}`);
    return 2;
  }
  return parsed;
}
