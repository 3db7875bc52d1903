/**
 * `flightlog dump FILE`: prints an incident or any flogfile (plain, gzip,
 * or `-` for stdin), one line per event, as `flogtool dump` does.
 *
 * @module
 */

import { flagProblem } from "./_did_you_mean.ts";
import { parseArgs } from "node:util";
import { dumpLines, type TimestampMode } from "../lib/dump.ts";
import { encodeJSON } from "../lib/event.ts";
import { type FlogRecord, readFlog } from "../lib/flogfile.ts";
import { renderMessage } from "../lib/format.ts";

/** The usage text of `flightlog dump`. */
export const DUMP_USAGE = `Usage: flightlog dump [options] FILE

Prints a flogfile (.flog, .flog.gz, - for stdin), one line per event.

  --json               print the records as JSON lines (events with their rendered "text")
  --flogtool           print exactly what foolscap's "flogtool dump" prints
  -t, --timestamps M   short-local (default), long-local, utc or epoch
  -v, --verbose        append every key of each event
  -h, --help           show this help
`;

const MODES = ["short-local", "long-local", "utc", "epoch"];

/** Each record as a JSON line; event records with their rendered `text`. */
async function* jsonLines(records: AsyncIterable<FlogRecord>) {
  for await (const r of records) {
    yield encodeJSON("d" in r ? { ...r, text: renderMessage(r.d) } : r);
  }
}

/**
 * Runs `flightlog dump` with `args` (after the subcommand); returns the
 * exit code: 0, 1 when the file is damaged (its good records are printed
 * first), 2 for bad usage or an unreadable file.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { dump } from "@flightlog/flightlog/cli";
 * const code = await dump(["--help"]);
 * assert(code === 0);
 * ```
 */
export async function dump(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        flogtool: { type: "boolean" },
        timestamps: { type: "string", short: "t", default: "short-local" },
        verbose: { type: "boolean", short: "v" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    const problem = flagProblem((e as Error).message, DUMP_USAGE);
    console.error(`flightlog dump: ${problem}\n\n${DUMP_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(DUMP_USAGE);
    return 0;
  }
  if (positionals.length !== 1 || !MODES.includes(values.timestamps)) {
    console.error(
      positionals.length !== 1
        ? `flightlog dump: expected one FILE, got ${positionals.length}\n\n${DUMP_USAGE}`
        : `flightlog dump: --timestamps must be one of ${MODES.join(", ")}`,
    );
    return 2;
  }
  const file = positionals[0];
  const name = file === "-" ? "<stdin>" : file;
  try {
    if (file !== "-" && (await Deno.stat(file)).isDirectory) {
      console.error(`flightlog dump: ${file}: is a folder, not a flogfile`);
      return 2;
    }
  } catch { /* readFlog names the file in its own error */ }
  const damage: string[] = [];
  let skipped = 0;
  const records = readFlog(file === "-" ? Deno.stdin.readable : file, {
    name,
    onDamage: (e) => {
      skipped++;
      damage.push(e.message);
    },
  });
  // Each record is one line: line 1 is the magic line, then the records,
  // with the damaged lines (skipped by the reader) among them.
  const lineOf = (index: number) => index + 2 + skipped;
  const lines = values.json ? jsonLines(records) : dumpLines(records, {
    timestamps: values.timestamps as TimestampMode,
    flogtool: values.flogtool,
    verbose: values.verbose,
    onBadRecord: (index, why) =>
      damage.push(`${name}:${lineOf(index)}: cannot be printed: ${why}`),
  });
  const out = Deno.stdout.writable.getWriter();
  const encoder = new TextEncoder();
  try {
    let text = "";
    for await (const line of lines) {
      text += line + "\n";
      if (text.length > 65536) {
        await out.write(encoder.encode(text));
        text = "";
      }
    }
    await out.write(encoder.encode(text));
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) return 0;
    console.error(`flightlog dump: ${(e as Error).message}`);
    return 1;
  } finally {
    out.releaseLock();
  }
  for (const message of damage) {
    console.error(`flightlog dump: damaged: ${message}`);
  }
  return damage.length > 0 ? 1 : 0;
}
