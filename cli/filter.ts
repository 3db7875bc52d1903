/**
 * `flightlog filter IN OUT`: copies a flogfile keeping the events that pass
 * foolscap's filters (`--after`, `--before`, `--above`, `--from`,
 * `--strip-facility`) and ours (`--facility`, `--grep`, `--nums`, `--trace`).
 *
 * @module
 */

import { flagProblem } from "./_did_you_mean.ts";
import { parseArgs } from "node:util";
import { matchFacility } from "../lib/facility.ts";
import type { FlogEvent } from "../lib/flog_event.ts";
import { FlogFileError, type FlogRecord, readFlog } from "../lib/flogfile.ts";
import { renderMessage } from "../lib/format.ts";
import { parseLevel } from "../lib/levels.ts";
import { isTraceId } from "../lib/trace_context.ts";
import { createFlogWriter } from "./_flog_writer.ts";

const USAGE = `Usage: flightlog filter [options] IN OUT

Writes the events of IN that pass every filter to OUT, a flogfile (gzipped
when OUT ends in .gz), with IN's header kept. IN may be .flog, .flog.gz or -.

  --after T            events after T (seconds since the epoch)
  --before T           events before T
  --above LEVEL        events at LEVEL or above (a name or an integer)
  --from PREFIX        events whose "from" starts with PREFIX
  --strip-facility F   drop events of facility F and those below it
  --facility F         keep only events of facility F and those below it
  --grep REGEX         keep only events whose rendered text matches
  --nums LIST          keep only these event numbers (3,7-9)
  --trace ID           keep only events of this trace (their trace_id)
  -h, --help           this help
`;

class UsageError extends Error {}

/** A predicate on event records, from the parsed options. */
function eventFilter(v: Record<string, string | undefined>) {
  const time = (name: string) => {
    const s = v[name];
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isFinite(n)) {
      throw new UsageError(`--${name}: not a number: ${s}`);
    }
    return n;
  };
  const after = time("after");
  const before = time("before");
  let above: number | undefined;
  try {
    above = v.above === undefined ? undefined : parseLevel(v.above);
  } catch (e) {
    throw new UsageError(`--above: ${(e as Error).message}`);
  }
  let grep: RegExp | undefined;
  try {
    grep = v.grep === undefined ? undefined : new RegExp(v.grep);
  } catch (e) {
    throw new UsageError(`--grep: ${(e as Error).message}`);
  }
  const nums = v.nums === undefined ? undefined : parseNums(v.nums);
  if (v.trace !== undefined && !isTraceId(v.trace)) {
    throw new UsageError(`--trace: not a trace id (32 hex digits): ${v.trace}`);
  }
  const trace = v.trace?.toLowerCase();
  const under = (table: string | undefined, d: FlogEvent) =>
    table !== undefined &&
    matchFacility({ [table]: true }, d.facility) === true;
  return (r: { from: string; d: FlogEvent }) => {
    const d = r.d;
    return (after === undefined || d.time > after) &&
      (before === undefined || d.time < before) &&
      (above === undefined || d.level >= above) &&
      (v.from === undefined || String(r.from).startsWith(v.from)) &&
      (v["strip-facility"] === undefined || !under(v["strip-facility"], d)) &&
      (v.facility === undefined || under(v.facility, d)) &&
      (nums === undefined || nums(d.num)) &&
      (trace === undefined || d.trace_id === trace) &&
      (grep === undefined || grep.test(renderMessage(d)));
  };
}

/** `3,7-9` as a predicate on numbers. */
function parseNums(text: string): (n: number) => boolean {
  const ranges = text.split(",").map((part) => {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (m === null) {
      throw new UsageError(`--nums: not a number or range: ${part}`);
    }
    return [Number(m[1]), Number(m[2] ?? m[1])];
  });
  return (n) => ranges.some(([a, b]) => n >= a && n <= b);
}

/**
 * Runs `flightlog filter ARGS`; returns the exit code: 0, 1 when IN is
 * damaged (what could be read is written), 2 on bad usage or unreadable IN.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { filter } from "./filter.ts";
 * assert.equal(await filter(["--help"]), 0);
 * ```
 */
export async function filter(args: string[]): Promise<number> {
  let keep;
  let input: string;
  let output: string;
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        after: { type: "string" },
        before: { type: "string" },
        above: { type: "string" },
        from: { type: "string" },
        "strip-facility": { type: "string" },
        facility: { type: "string" },
        grep: { type: "string" },
        nums: { type: "string" },
        trace: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 2) throw new UsageError("expected IN and OUT");
    [input, output] = positionals;
    keep = eventFilter(values as Record<string, string | undefined>);
  } catch (e) {
    const problem = flagProblem((e as Error).message, USAGE);
    console.error(`flightlog filter: ${problem}\n\n${USAGE}`);
    return 2;
  }
  const records = readFlog(input === "-" ? Deno.stdin.readable : input, {
    name: input === "-" ? "<stdin>" : input,
  });
  let writer;
  let kept = 0;
  try {
    for await (const r of records as AsyncIterable<FlogRecord>) {
      if ("header" in r) {
        writer ??= await createFlogWriter(output, r.header);
      } else if (keep(r)) {
        writer ??= await createFlogWriter(output, { type: "filtered" });
        await writer.write(r);
        kept++;
      }
    }
    writer ??= await createFlogWriter(output, { type: "filtered" });
    await writer.close();
  } catch (e) {
    const damaged = e instanceof FlogFileError;
    if (damaged && writer !== undefined) await writer.close();
    else await writer?.abort();
    console.error(`flightlog filter: ${(e as Error).message}`);
    return 1;
  }
  console.error(`flightlog filter: ${kept} events written to ${output}`);
  return 0;
}
