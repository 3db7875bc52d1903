/**
 * Source context: when an incident is written, each in-app stack frame of
 * each failure gets the lines of source around its line (`frames` on the
 * failure), read where the process may read the file, bounded, and
 * redacted like any other string. Nothing of this runs on the log call.
 *
 * @module
 */

import type { FlogEvent } from "./flog_event.ts";

/** One stack frame of a failure, as written in the incident. */
export interface StackFrame {
  /** The function's name (empty when anonymous). */
  fn: string;
  /** The file's URL or path. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Whether it is the app's own code (not Deno's, a dependency's, flightlog's). */
  inApp: boolean;
  /** Lines around `line`, the first being line `start`. */
  source?: { start: number; lines: string[] };
}

/** Largest source file read, in bytes: a bigger one gets no context. */
export const MAX_SOURCE_FILE_BYTES = 1024 * 1024;
/** Longest source line kept; longer ones are cut with `…`. */
export const MAX_SOURCE_LINE = 200;
/** Most frames per failure that get source lines. */
export const MAX_FRAMES_WITH_SOURCE = 10;
/** Most events of one incident whose failures get source lines. */
export const MAX_EVENTS_WITH_SOURCE = 20;
/** Most lines before and after a frame's line. */
export const MAX_CONTEXT_LINES = 50;

const FRAME = /^\s*at (?:async )?(?:(.+?) \()?(.+?):(\d+):(\d+)\)?\s*$/;
// flightlog's own files are not the app's.
const OWN_DIR = new URL(".", import.meta.url).href;

/** Whether `file` (a frame's URL or path) is the app's own code. */
export function isInApp(file: string): boolean {
  if (!file.startsWith("file://") && !file.startsWith("/")) return false;
  if (file.startsWith(OWN_DIR)) return false;
  return !/\/(node_modules|\.deno|deno_dir|\.cache\/deno)\//.test(file);
}

/**
 * The frames of a V8 stack text (up to its first `Caused by:`).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseStack } from "./source_context.ts";
 * const [f] = parseStack("Error: x\n    at pay (file:///app/pay.ts:4:9)");
 * assert.deepEqual([f.fn, f.line, f.inApp], ["pay", 4, true]);
 * ```
 */
export function parseStack(stack: string): StackFrame[] {
  const out: StackFrame[] = [];
  for (const line of stack.split("\nCaused by:")[0].split("\n")) {
    const m = FRAME.exec(line);
    if (m === null) continue;
    out.push({
      fn: (m[1] ?? "").replace(/^async /, ""),
      file: m[2],
      line: Number(m[3]),
      column: Number(m[4]),
      inApp: isInApp(m[2]),
    });
  }
  return out;
}

/**
 * `trigger` and `history` with source context, the trigger's first and then
 * the latest failures before it (within the reader's bounds).
 */
export function withSourceContext(
  reader: SourceReader,
  trigger: FlogEvent,
  history: FlogEvent[],
): { trigger: FlogEvent; history: FlogEvent[] } {
  const t = reader.event(trigger);
  const out = history.slice();
  for (let i = out.length - 1; i >= 0; i--) out[i] = reader.event(out[i]);
  return { trigger: t, history: out };
}

/** What {@linkcode sourceContext} gives: an incident's events with source. */
export type AddSource = (
  trigger: FlogEvent,
  history: FlogEvent[],
) => { trigger: FlogEvent; history: FlogEvent[] };

/**
 * How a recorder adds source context for its `sourceContext` option (the
 * events as they are when `false`), redacting by `rules`, with a new
 * reader per incident; the option is checked at once.
 */
export function sourceContext(
  lines: number | false,
  rules?: { redactString(text: string): string },
): AddSource {
  if (lines === false) return (trigger, history) => ({ trigger, history });
  const make = () =>
    new SourceReader({
      lines,
      ...(rules && { redact: (s: string) => rules.redactString(s) }),
    });
  make();
  return (trigger, history) => withSourceContext(make(), trigger, history);
}

/** Settings of a {@linkcode SourceReader}. */
export interface SourceContextOptions {
  /** Lines before and after a frame's line (0 to 50). */
  lines: number;
  /** Applied to every line read (the recorder's redaction). */
  redact?: (text: string) => string;
}

/**
 * Reads source lines for the frames of one incident, each file at most
 * once, and only where the process already has read permission (it never
 * prompts).
 */
export class SourceReader {
  readonly #opts: SourceContextOptions;
  readonly #files = new Map<string, string[] | undefined>();
  #events = MAX_EVENTS_WITH_SOURCE;

  /** A reader taking `lines` before and after each frame's line. */
  constructor(opts: SourceContextOptions) {
    if (
      !Number.isInteger(opts.lines) || opts.lines < 0 ||
      opts.lines > MAX_CONTEXT_LINES
    ) {
      throw new RangeError(
        `sourceContext must be false or a whole number of lines from 0 to ${MAX_CONTEXT_LINES}; got ${opts.lines}`,
      );
    }
    this.#opts = opts;
  }

  /** The lines of `file`, or undefined when it cannot or may not be read. */
  #read(file: string): string[] | undefined {
    if (this.#files.has(file)) return this.#files.get(file);
    let lines: string[] | undefined;
    try {
      const path = file.startsWith("file://") ? new URL(file) : file;
      const state = Deno.permissions.querySync({ name: "read", path }).state;
      if (state === "granted") {
        const size = Deno.statSync(path).size;
        if (size <= MAX_SOURCE_FILE_BYTES) {
          lines = Deno.readTextFileSync(path).split("\n");
        }
      }
    } catch {
      // Gone, a folder, not text, or not a path: no context, as documented.
      lines = undefined;
    }
    this.#files.set(file, lines);
    return lines;
  }

  /** `frame` with its source lines, when its file can be read. */
  frame(frame: StackFrame): StackFrame {
    const lines = this.#read(frame.file);
    if (lines === undefined || frame.line > lines.length) return frame;
    const n = this.#opts.lines;
    const start = Math.max(1, frame.line - n);
    const end = Math.min(lines.length, frame.line + n);
    const redact = this.#opts.redact ?? ((s: string) => s);
    return {
      ...frame,
      source: {
        start,
        lines: lines.slice(start - 1, end).map((l) => {
          const cut = l.length > MAX_SOURCE_LINE
            ? l.slice(0, MAX_SOURCE_LINE) + "…"
            : l;
          return redact(cut.replace(/\r$/, ""));
        }),
      },
    };
  }

  /** A failure value with `frames` (its causes too); other values as they are. */
  failure(f: unknown, depth = 0): unknown {
    if (f === null || typeof f !== "object" || depth > 8) return f;
    const v = f as Record<string, unknown>;
    if (v["@"] !== "Failure" || typeof v.traceback !== "string") return f;
    let budget = MAX_FRAMES_WITH_SOURCE;
    const frames = parseStack(v.traceback).map((fr) =>
      fr.inApp && budget-- > 0 ? this.frame(fr) : fr
    );
    return {
      ...v,
      frames,
      ...(v.cause === undefined
        ? {}
        : { cause: this.failure(v.cause, depth + 1) }),
    };
  }

  /**
   * `event` with source context on its failures (its `failure` and errors
   * among its fields); the event itself when it has none, or when
   * {@linkcode MAX_EVENTS_WITH_SOURCE} events got theirs already. The
   * buffered event is never changed.
   */
  event(event: FlogEvent): FlogEvent {
    if (this.#events <= 0) return event;
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(event)) {
      if (
        v === null || typeof v !== "object" ||
        (v as Record<string, unknown>)["@"] !== "Failure"
      ) continue;
      out ??= { ...event };
      out[k] = this.failure(v);
    }
    if (out !== undefined) this.#events--;
    return (out ?? event) as FlogEvent;
  }
}
