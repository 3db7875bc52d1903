/**
 * The `flightlog` command: dispatches `flightlog <command> ARGS` to the
 * command's own file (`dump`, `list`, `tail`, `filter`, `sidecar`, `gather`,
 * `incidents`, `groups`, `classify`, `reindex`, `web`).
 *
 * ```sh
 * deno run --allow-read jsr:@flightlog/flightlog/cli dump incident.flog.gz
 * ```
 *
 * @module
 */

import { VERSION } from "../lib/version.ts";
import { versionText } from "./_version.ts";
import { nearest } from "./_did_you_mean.ts";
import { runGather } from "./gather.ts";
import { runSidecar } from "./sidecar.ts";
import { classify } from "./classify.ts";
import { dump } from "./dump.ts";
import { filter } from "./filter.ts";
import { groups } from "./groups.ts";
import { incidents } from "./incidents.ts";
import { list } from "./list.ts";
import { reindex } from "./reindex.ts";
import { tail } from "./tail.ts";
import { web } from "./web.ts";

export { classify, dump, groups, incidents, reindex, web };

/** The commands: what `flightlog help` says of each, and how it runs. */
const COMMANDS: Record<
  string,
  { usage: string; what: string; run: (args: string[]) => Promise<number> }
> = {
  dump: {
    usage: "dump [options] FILE",
    what: "print a flogfile (.flog, .flog.gz, - for stdin)",
    run: dump,
  },
  list: {
    usage: "list [--json] DIR",
    what: "the incidents in a folder, newest first",
    run: list,
  },
  tail: {
    usage: "tail [options] SOCKET|URL",
    what: "live events from an app's socket or a sidecar",
    run: tail,
  },
  filter: {
    usage: "filter [options] IN OUT",
    what: "copy a flogfile, keeping the events that pass",
    run: filter,
  },
  sidecar: {
    usage: "sidecar [options]",
    what: "run a sidecar next to an app",
    run: runSidecar,
  },
  gather: {
    usage: "gather [options]",
    what: "collect, classify and group incidents of many sidecars; alert",
    run: runGather,
  },
  incidents: {
    usage: "incidents ls|get|watch URL",
    what: "the incidents of a sidecar or gatherer",
    run: (args) => incidents(args),
  },
  groups: {
    usage: "groups URL",
    what: "the open groups of a gatherer or sidecar",
    run: groups,
  },
  classify: {
    usage: "classify [--rules DIR] FILE|DIR",
    what: "category, fingerprint and title of incidents, offline",
    run: classify,
  },
  reindex: {
    usage: "reindex DIR",
    what: "rebuild a store's index from its incident files",
    run: reindex,
  },
  web: {
    usage: "web [options] FILE|DIR",
    what: "serve the web viewer for incident files (no sidecar)",
    run: web,
  },
};

const USAGE = `flightlog ${VERSION}

Usage:
${
  Object.values(COMMANDS).map((c) =>
    `  flightlog ${c.usage.padEnd(34)}${c.what}\n`
  ).join("")
}
flightlog COMMAND --help shows the options of a command.
`;

/**
 * Runs the `flightlog` command line; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { main } from "@flightlog/flightlog/cli";
 * assert(await main(["--version"]) === 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== undefined && Object.hasOwn(COMMANDS, command)) {
    return await COMMANDS[command].run(rest);
  }
  switch (command) {
    case "--version":
    case "version":
      console.log(versionText());
      return 0;
    case undefined:
    case "-h":
    case "--help":
    case "help":
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      {
        const guess = nearest(command, Object.keys(COMMANDS));
        const hint = guess === undefined ? "" : `; did you mean ${guess}?`;
        console.error(
          `flightlog: unknown command "${command}"${hint}\n\n${USAGE}`,
        );
      }
      return 2;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
