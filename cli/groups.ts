/**
 * `flightlog groups URL`: the groups of a gatherer (or a sidecar) as a
 * table: count, last seen, status, category and title.
 *
 * ```sh
 * flightlog groups http://127.0.0.1:7478 --token-file ./token
 * ```
 *
 * @module
 */

import { commandArgs } from "./_command.ts";
import type { Group } from "../store/groups.ts";
import { Remote, shortTime } from "./_remote.ts";
import { groupStatus, isGroupAction } from "./group_status.ts";

const USAGE = `Usage: flightlog groups URL [options]
       flightlog groups resolve|ignore|reopen URL ID [--in-release V]

The groups of a gatherer or sidecar at URL, open ones by default; or set
the status of one (see \`flightlog groups resolve --help\`).

  --token-file FILE   the server's bearer token (default: $FLIGHTLOG_TOKEN)
  --status S          open (default), resolved, ignored or all
  --category C        only this category
  --app A             only groups seen in this app
  --sort last|count   latest first (default) or most incidents first
  --limit N           at most N groups (default 100)
  --json              one JSON object per group
  -h, --help          this help
`;

/**
 * Runs `flightlog groups ARGS`; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { groups } from "@flightlog/flightlog/cli";
 * assert.equal(await groups(["--help"]), 0);
 * ```
 */
export async function groups(args: string[]): Promise<number> {
  if (isGroupAction(args[0])) return await groupStatus(args[0], args.slice(1));
  const parsed = commandArgs("groups", USAGE, args, {
    "token-file": { type: "string" },
    status: { type: "string", default: "open" },
    category: { type: "string" },
    app: { type: "string" },
    sort: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
  }, 1);
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const q = new URLSearchParams();
  if (values.status !== "all") q.set("status", values.status);
  for (const k of ["category", "app", "sort", "limit"] as const) {
    if (values[k] !== undefined) q.set(k, values[k]);
  }
  try {
    const remote = await Remote.open(positionals[0], values["token-file"]);
    const { groups } = await remote.json<{ groups: Group[] }>(
      `/v1/groups?${q}`,
    );
    if (values.json) {
      for (const g of groups) console.log(JSON.stringify(g));
      return 0;
    }
    console.log(
      `${"COUNT".padStart(6)}  ${"LAST SEEN".padEnd(19)}  ${
        "STATUS".padEnd(8)
      }  ${"CATEGORY".padEnd(14)}  ${"GROUP".padEnd(16)}  TITLE`,
    );
    for (const g of groups) {
      console.log(
        `${String(g.count).padStart(6)}  ${shortTime(g.lastSeen)}  ${
          g.status.padEnd(8)
        }  ${g.category.padEnd(14)}  ${g.id}  ${g.title}`,
      );
    }
    if (groups.length === 0) console.log("(no groups)");
    return 0;
  } catch (e) {
    console.error(`flightlog groups: ${(e as Error).message}`);
    return 1;
  }
}
