/**
 * The sidecar's own lines on stdout: one per app connection, disconnection,
 * death, incident written, and bad input (rate-limited), as text or JSON.
 *
 * @module
 */

/** How the sidecar reports its activity. */
export interface ActivityLogOptions {
  /**
   * No lines at all.
   * @default {false}
   */
  quiet?: boolean;
  /**
   * `text` (`2026-11-25T04:41:11.255Z app connected: shop pid=4242`) or
   * `json` (`{"time", "event", ...fields}` per line).
   * @default {"text"}
   */
  format?: "text" | "json";
  /**
   * At most one bad-input line per kind in this window; the rest are
   * counted and the count is given in the next one.
   * @default {10_000}
   */
  badInputWindowMs?: number;
  /** Where lines go (default: `console.log`). */
  write?: (line: string) => void;
}

/** What happened, one line each. */
export type Activity =
  | "app connected"
  | "app disconnected"
  | "app died"
  | "app stopped"
  | "incident written"
  | "waiting for the app"
  | "bad input";

/** Writes activity lines; bad input is counted and rate-limited per kind. */
export class ActivityLog {
  /** Bad input seen, per kind. */
  readonly badInput = new Map<string, number>();
  readonly #opts: ActivityLogOptions;
  readonly #write: (line: string) => void;
  readonly #lastBad = new Map<string, { at: number; suppressed: number }>();

  /** A log with `options`. */
  constructor(options: ActivityLogOptions = {}) {
    this.#opts = options;
    this.#write = options.write ?? ((line) => console.log(line));
  }

  /** One line for `event`, with `fields`. */
  report(event: Activity, fields: Record<string, unknown> = {}): void {
    if (this.#opts.quiet) return;
    const time = new Date().toISOString();
    if (this.#opts.format === "json") {
      this.#write(JSON.stringify({ time, event, ...fields }));
      return;
    }
    const details = Object.entries(fields).map(([k, v]) =>
      `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`
    ).join(" ");
    this.#write(`${time} ${event}${details ? `: ${details}` : ""}`);
  }

  /** One line: the app's socket at `path` has not appeared yet. */
  waiting(path: string): void {
    if (this.#opts.quiet) return;
    if (this.#opts.format === "json") {
      this.report("waiting for the app", { path });
      return;
    }
    const time = new Date().toISOString();
    this.#write(`${time} waiting for ${path}, no app has created it yet`);
  }

  /** Counts bad input of `kind`; a line at most once per window per kind. */
  bad(kind: string, detail: string, now: number = Date.now()): void {
    this.badInput.set(kind, (this.badInput.get(kind) ?? 0) + 1);
    const window = this.#opts.badInputWindowMs ?? 10_000;
    const last = this.#lastBad.get(kind);
    if (last !== undefined && now - last.at < window) {
      last.suppressed++;
      return;
    }
    this.report("bad input", {
      kind,
      detail: detail.length > 200 ? detail.slice(0, 200) + "…" : detail,
      ...(last?.suppressed ? { suppressed: last.suppressed } : {}),
    });
    this.#lastBad.set(kind, { at: now, suppressed: 0 });
  }
}
