/**
 * `flightlog groups resolve|ignore|reopen URL ID`: triage from the command
 * line, as the viewer does; `resolve --in-release V` (or `next`) keeps an
 * older release's incidents from reopening the group.
 *
 * ```sh
 * flightlog groups resolve http://127.0.0.1:7478 3f2a9c0d1b7e4a55 --in-release 2.0.0
 * ```
 *
 * @module
 */

import { commandArgs } from "./_command.ts";
import type { Group } from "../store/groups.ts";
import { Remote } from "./_remote.ts";

/** The status each action sets. */
const ACTIONS: Record<string, string> = {
  resolve: "resolved",
  ignore: "ignored",
  reopen: "open",
};

const USAGE = `Usage: flightlog groups resolve|ignore|reopen URL ID [options]

Sets the status of group ID on the gatherer or sidecar at URL.

  --in-release V      (resolve) fixed in release V, or "next": an incident
                      of an older release does not reopen the group
  --token-file FILE   the server's bearer token (default: $FLIGHTLOG_TOKEN)
  -h, --help          this help
`;

/** Whether `word` is one of the actions of {@linkcode groupStatus}. */
export function isGroupAction(word: string | undefined): boolean {
  return word !== undefined && Object.hasOwn(ACTIONS, word);
}

/**
 * Runs `flightlog groups ACTION ARGS`; returns the exit code: 0, 1 when the
 * server refused, 2 for bad usage.
 */
export async function groupStatus(
  action: string,
  args: string[],
): Promise<number> {
  const parsed = commandArgs(`groups ${action}`, USAGE, args, {
    "token-file": { type: "string" },
    "in-release": { type: "string" },
  }, 2);
  if (typeof parsed === "number") return parsed;
  const { values, positionals: [url, id] } = parsed;
  const inRelease = values["in-release"];
  if (inRelease !== undefined && action !== "resolve") {
    console.error(`flightlog groups ${action}: --in-release goes with resolve`);
    return 2;
  }
  try {
    const remote = await Remote.open(url, values["token-file"]);
    const { group } = await remote.send<{ group: Group }>(
      `/v1/groups/${encodeURIComponent(id)}`,
      "PATCH",
      { status: ACTIONS[action], ...(inRelease && { inRelease }) },
    );
    const how = group.resolvedIn === undefined
      ? ""
      : group.resolvedIn === "next"
      ? " in the next release"
      : ` in ${group.resolvedIn}`;
    console.log(`${group.id} ${group.status}${how}: ${group.title}`);
    return 0;
  } catch (e) {
    console.error(`flightlog groups ${action}: ${(e as Error).message}`);
    return 1;
  }
}
