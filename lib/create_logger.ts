/**
 * `createLogger`: a root logger with its own flight recorder, and console
 * output when asked for (option or `FLIGHTLOG_CONSOLE`).
 *
 * @module
 */

import {
  consoleFromEnv,
  type ConsoleOptions,
  ConsoleSink,
} from "./console_sink.ts";
import { Logger } from "./logger.ts";
import { announcement } from "./_announce.ts";
import { incidentDirProblem } from "./_writable_dir.ts";
import { registerIsolation } from "./_context_lifecycle.ts";
import { Level } from "./levels.ts";
import type { Threshold } from "./threshold.ts";
import { FlightRecorder } from "./recorder.ts";
import type { RecorderOptions } from "./recorder_options.ts";

/**
 * Options of {@linkcode createLogger}: the recorder's, plus the root
 * facility and the generation threshold.
 *
 * @example
 * ```ts
 * import { createLogger, type LoggerOptions } from "@flightlog/flightlog";
 * const options: LoggerOptions = { app: "shop", threshold: "OPERATIONAL" };
 * const log = createLogger(options);
 * await log.close();
 * ```
 */
export interface LoggerOptions extends RecorderOptions {
  /** Facility of the root logger (none by default). */
  facility?: string;
  /**
   * Generation threshold (NOISY: everything is kept).
   * @default {Level.NOISY}
   */
  threshold?: Threshold;
  /**
   * Console output (independent of buffering); `false` for none. Left out,
   * the `FLIGHTLOG_CONSOLE` environment variable decides (`pretty`,
   * `json:UNUSUAL`...), when env permission for it is granted.
   * @default {FLIGHTLOG_CONSOLE, else false}
   */
  console?: ConsoleOptions | false;
  /**
   * Print one line on stderr when an incident is written: its path, its
   * event count and the trigger's text.
   * @default {true}
   */
  announce?: boolean;
}

/**
 * Creates a root logger with its own flight recorder.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLogger, Level } from "@flightlog/flightlog";
 * const dir = await Deno.makeTempDir();
 * const log = createLogger({
 *   incidentDir: dir,
 *   app: "shop",
 *   qualifier: (e) => e.level >= Level.SCARY,
 *   trailingMs: 100,
 * });
 * log.info("order {id} placed", { id: 17 });
 * log.error("payment for order {id} failed", { id: 17 }); // an incident
 * await log.close();
 * assert(log.incidents.length === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const recorder = new FlightRecorder(options);
  const console = options.console ?? consoleFromEnv();
  if (console !== false) {
    const sink = new ConsoleSink(console);
    recorder.onEvent((e) => sink.offer(e));
    recorder.onClose(() => sink.flush());
  }
  registerIsolation(recorder);
  const dir = options.incidentDir;
  if (dir !== undefined) {
    if (options.announce ?? true) {
      recorder.onIncident((info) =>
        globalThis.console.error(announcement(info))
      );
    }
    checkIncidentDir(recorder, dir);
  }
  return new Logger(recorder, {
    facility: options.facility,
    threshold: options.threshold,
  });
}

/** Says at once, on stderr and as an event, when `dir` cannot be written. */
function checkIncidentDir(recorder: FlightRecorder, dir: string): void {
  const problem = incidentDirProblem(dir);
  if (problem === undefined) return;
  console.error(
    `flightlog: incidents cannot be written to ${dir} (${problem}); ` +
      "events are kept in memory only until it is fixed",
  );
  recorder.note(
    Level.UNUSUAL,
    "the incident folder %(dir)s cannot be written: %(problem)s",
    { dir, problem },
  );
}
