/**
 * `flightlog incidents ls|get|watch URL`: the incidents of a sidecar or a
 * gatherer, from the command line.
 *
 * ```sh
 * flightlog incidents ls http://127.0.0.1:7478 --token-file ./token --q timeout
 * flightlog incidents get http://127.0.0.1:7478 incident-….flog.gz --dump
 * flightlog incidents watch http://127.0.0.1:7478 --dump
 * ```
 *
 * @module
 */

import { commandArgs } from "./_command.ts";
import { dumpLines } from "../lib/dump.ts";
import { levelName } from "../lib/levels.ts";
import { readFlog } from "../lib/flogfile.ts";
import type { StoredIncident } from "../store/sqlite/store.ts";
import { Remote, shortTime } from "./_remote.ts";

const USAGE = `Usage:
  flightlog incidents ls URL [--app A] [--group G] [--category C] [--q TEXT] [--limit N] [--json]
  flightlog incidents get URL NAME [-o FILE | --dump]
  flightlog incidents watch URL [--after ID] [--dump] [--json]

The incidents of a sidecar or gatherer at URL.

  --token-file FILE  the server's bearer token (default: $FLIGHTLOG_TOKEN)
  --app, --group, --category, --q, --limit   filters of ls (--q searches event text)
  -o, --output FILE  where get saves the .flog.gz (default: NAME here)
  --after ID         watch: first the incidents after this id (0: all), then new ones
  --dump             print the whole incident, as flightlog dump does
  --json             one JSON object per incident
  -h, --help         this help
`;

type Listed = StoredIncident & { url: string };

/** One incident as a line of `ls` and `watch`. */
function line(i: Listed): string {
  const level = i.level === undefined ? "?" : levelName(i.level);
  return `${shortTime(i.time)}  ${level.padEnd(6)} ${
    (i.app ?? "-").padEnd(12)
  } ${(i.category ?? "").padEnd(12)} ${i.summary}  ${i.name}`;
}

async function printDump(remote: Remote, name: string): Promise<void> {
  const res = await remote.get(`/v1/incidents/${encodeURIComponent(name)}`);
  for await (const l of dumpLines(readFlog(res.body!, { name }))) {
    console.log(l);
  }
}

/**
 * Runs `flightlog incidents ARGS`; returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { incidents } from "@flightlog/flightlog/cli";
 * assert.equal(await incidents(["--help"]), 0);
 * ```
 */
export async function incidents(
  args: string[],
  signal: AbortSignal = new AbortController().signal,
): Promise<number> {
  const parsed = commandArgs(
    "incidents",
    USAGE,
    args,
    {
      "token-file": { type: "string" },
      app: { type: "string" },
      group: { type: "string" },
      category: { type: "string" },
      q: { type: "string" },
      limit: { type: "string" },
      output: { type: "string", short: "o" },
      after: { type: "string" },
      dump: { type: "boolean" },
      json: { type: "boolean" },
    },
    ([sub, ...rest]) =>
      !["ls", "get", "watch"].includes(sub)
        ? "expected ls, get or watch"
        : rest.length !== (sub === "get" ? 2 : 1)
        ? `expected ${sub} URL${sub === "get" ? " NAME" : ""}`
        : undefined,
  );
  if (typeof parsed === "number") return parsed;
  const { values, positionals: [sub, url, name] } = parsed;
  if (sub === "get" && !/^incident-[\w.-]+$/.test(name)) {
    console.error(
      `flightlog incidents: bad incident name ${JSON.stringify(name)}`,
    );
    return 2;
  }
  try {
    const remote = await Remote.open(url, values["token-file"]);
    if (sub === "ls") {
      const q = new URLSearchParams();
      for (const k of ["app", "group", "category", "q", "limit"] as const) {
        if (values[k] !== undefined) q.set(k, values[k]);
      }
      const { incidents } = await remote.json<{ incidents: Listed[] }>(
        `/v1/incidents?${q}`,
      );
      for (const i of incidents) {
        console.log(values.json ? JSON.stringify(i) : line(i));
      }
    } else if (sub === "get") {
      if (values.dump) {
        await printDump(remote, name);
      } else {
        const res = await remote.get(
          `/v1/incidents/${encodeURIComponent(name)}`,
        );
        const out = values.output ?? name;
        await Deno.writeFile(out, res.body!);
        console.error(`saved ${out}`);
      }
    } else {
      const stream = remote.events(
        "/v1/incidents/stream",
        signal,
        values.after,
      );
      for await (const m of stream) {
        if (m.event !== "incident") continue;
        const i = JSON.parse(m.data) as Listed;
        console.log(values.json ? JSON.stringify(i) : line(i));
        if (values.dump) await printDump(remote, i.name);
      }
    }
    return 0;
  } catch (e) {
    if (signal.aborted) return 0;
    console.error(`flightlog incidents: ${(e as Error).message}`);
    return 1;
  }
}
