/**
 * `flightlog tail SOCKET|URL`: live events from an app's Unix socket or a
 * sidecar's `/v1/events/stream`, printed as they come and optionally saved
 * to a flogfile (foolscap's `flogtool tail --save-to`).
 *
 * @module
 */

import { flagProblem } from "./_did_you_mean.ts";
import { parseArgs } from "node:util";
import { jsonLine, prettyLine } from "../lib/console_sink.ts";
import { matchFacility } from "../lib/facility.ts";
import type { FlogEvent } from "../lib/flog_event.ts";
import { parseLevel } from "../lib/levels.ts";
import { LineSplitter } from "../lib/lines.ts";
import { readMessages } from "../lib/protocol.ts";
import { createFlogWriter, type FlogWriter } from "./_flog_writer.ts";

const USAGE = `Usage: flightlog tail [options] SOCKET|URL

Prints live events from an app's socket (SOCKET, as given to publish()) or
from a sidecar (URL, e.g. http://127.0.0.1:7477: its /v1/events/stream).
Ends when the app says goodbye or the stream ends, or on Ctrl-C.

  --level LEVEL      events at LEVEL or above (a name or an integer)
  --facility F       events of facility F and those below it
  --json             one JSON object per event (with its rendered "text")
  --catch-up         first the app's buffered history (SOCKET only)
  --save FILE        also write the events to FILE, a flogfile (.gz: gzipped)
  --token-file FILE  the sidecar's bearer token (URL only)
  -h, --help         this help
`;

class UsageError extends Error {}

interface Options {
  minLevel: number;
  facility?: string;
  json: boolean;
  catchUp: boolean;
  save?: string;
  tokenFile?: string;
}

/**
 * Runs `flightlog tail ARGS`; returns the exit code (2 on bad usage, 1 when
 * the source cannot be reached).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { tail } from "./tail.ts";
 * assert.equal(await tail(["--help"]), 0);
 * ```
 */
export async function tail(args: string[]): Promise<number> {
  let source: string;
  let opts: Options;
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        level: { type: "string" },
        facility: { type: "string" },
        json: { type: "boolean" },
        "catch-up": { type: "boolean" },
        save: { type: "string" },
        "token-file": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) {
      throw new UsageError("expected SOCKET or URL");
    }
    source = positionals[0];
    let minLevel = -Infinity;
    try {
      if (values.level !== undefined) minLevel = parseLevel(values.level);
    } catch (e) {
      throw new UsageError(`--level: ${(e as Error).message}`);
    }
    const isUrl = /^https?:\/\//.test(source);
    if (values["catch-up"] && isUrl) {
      throw new UsageError("--catch-up works with an app's SOCKET only");
    }
    if (values["token-file"] && !isUrl) {
      throw new UsageError("--token-file goes with a sidecar URL");
    }
    opts = {
      minLevel,
      facility: values.facility,
      json: values.json ?? false,
      catchUp: values["catch-up"] ?? false,
      save: values.save,
      tokenFile: values["token-file"],
    };
  } catch (e) {
    const problem = flagProblem((e as Error).message, USAGE);
    console.error(`flightlog tail: ${problem}\n\n${USAGE}`);
    return 2;
  }
  const abort = new AbortController();
  const stop = () => abort.abort();
  Deno.addSignalListener("SIGINT", stop);
  let saver: FlogWriter | undefined;
  try {
    if (opts.save !== undefined) {
      saver = await createFlogWriter(opts.save, {
        type: "tail",
        source,
        started: Date.now() / 1000,
      });
    }
    const show = printer(opts, saver);
    const events = /^https?:\/\//.test(source)
      ? fromSidecar(source, opts, abort.signal)
      : fromSocket(source, opts, abort.signal);
    for await (const { from, event } of events) await show(from, event);
    await saver?.close();
    return 0;
  } catch (e) {
    if (abort.signal.aborted) {
      await saver?.close();
      return 0;
    }
    await saver?.close().catch(() => {});
    console.error(`flightlog tail: ${source}: ${(e as Error).message}`);
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
  }
}

/** Prints (and saves) the events that pass the filters. */
function printer(opts: Options, saver: FlogWriter | undefined) {
  const table = opts.facility === undefined
    ? undefined
    : { [opts.facility]: true };
  const encoder = new TextEncoder();
  return async (from: string, e: FlogEvent) => {
    if (e.level < opts.minLevel) return;
    if (table !== undefined && matchFacility(table, e.facility) !== true) {
      return;
    }
    const line = opts.json ? jsonLine(e) : prettyLine(e, false);
    await Deno.stdout.write(encoder.encode(line));
    await saver?.write({ from, rx_time: Date.now() / 1000, d: e });
  };
}

type Received = { from: string; event: FlogEvent };

async function* fromSocket(
  path: string,
  opts: Options,
  signal: AbortSignal,
): AsyncGenerator<Received> {
  const conn = await Deno.connect({ transport: "unix", path });
  const onAbort = () => {
    try {
      conn.close();
    } catch { /* closed */ }
  };
  signal.addEventListener("abort", onAbort);
  let from = "app";
  try {
    for await (const m of readMessages(conn.readable)) {
      if (m.t === "hello") {
        from = String(m.incarnation?.[0] ?? "app").slice(0, 8);
      } else if (m.t === "events" && Array.isArray(m.events)) {
        if (m.history && !opts.catchUp) continue;
        for (const event of m.events) yield { from, event };
      } else if (m.t === "dropped") {
        console.error(
          `flightlog tail: the app dropped ${m.count} events for us`,
        );
      } else if (m.t === "goodbye") return;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    onAbort();
  }
}

async function* fromSidecar(
  url: string,
  opts: Options,
  signal: AbortSignal,
): AsyncGenerator<Received> {
  const stream = new URL("/v1/events/stream", url);
  if (opts.minLevel > -Infinity) {
    stream.searchParams.set("level", String(opts.minLevel));
  }
  if (opts.facility) stream.searchParams.set("facility", opts.facility);
  const headers: HeadersInit = opts.tokenFile === undefined ? {} : {
    authorization: `Bearer ${(await Deno.readTextFile(opts.tokenFile)).trim()}`,
  };
  const res = await fetch(stream, { headers, signal });
  if (!res.ok || res.body === null) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status}`);
  }
  const splitter = new LineSplitter();
  let event = "";
  let data = "";
  for await (const text of res.body.pipeThrough(new TextDecoderStream())) {
    for (const line of splitter.push(text)) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data += line.slice(5).trim();
      else if (line === "") {
        if (event === "event" && data !== "") {
          const { text: _text, ...e } = JSON.parse(data);
          yield { from: "sidecar", event: e as FlogEvent };
        } else if (event === "dropped") {
          console.error(
            `flightlog tail: the sidecar dropped events for us: ${data}`,
          );
        }
        event = "";
        data = "";
      }
    }
  }
}
