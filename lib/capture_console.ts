/**
 * Capturing `console.*`: what code (third-party code included) prints
 * through the console is also recorded as events, and still printed.
 *
 * @module
 */

import { format } from "node:util";
import { Level, parseLevel } from "./levels.ts";
import type { Logger } from "./logger.ts";

/** Options of {@linkcode captureConsole}. */
export interface CaptureConsoleOptions {
  /**
   * The lowest level recorded (`console.debug` is NOISY, `log` and `info`
   * OPERATIONAL, `warn` UNUSUAL, `error` SCARY).
   * @default {"NOISY"}
   */
  level?: number | string;
}

const METHODS = {
  debug: Level.NOISY,
  log: Level.OPERATIONAL,
  info: Level.OPERATIONAL,
  warn: Level.UNUSUAL,
  error: Level.SCARY,
} as const;

/**
 * Records every `console.debug/log/info/warn/error` call into `log` (facility
 * `console` below it) at the matching level, then prints it as before.
 * Opt-in; returns a disposable that puts the console back.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import {
 *   captureConsole,
 *   createLogger,
 *   renderMessage,
 * } from "@flightlog/flightlog";
 * const log = createLogger();
 * {
 *   using _capture = captureConsole(log, { level: "UNUSUAL" });
 *   console.warn("disk at %d%%", 93);
 * }
 * assert.equal(renderMessage(log.snapshot()[0]), "disk at 93%");
 * await log.close();
 * ```
 */
export function captureConsole(
  log: Logger,
  options: CaptureConsoleOptions = {},
): Disposable {
  const min = parseLevel(options.level ?? Level.NOISY);
  const target = log.child("console");
  const originals = new Map<keyof typeof METHODS, (...a: unknown[]) => void>();
  let inside = false;
  for (const [name, level] of Object.entries(METHODS)) {
    const method = name as keyof typeof METHODS;
    const original = console[method];
    originals.set(method, original);
    console[method] = (...args: unknown[]) => {
      // flightlog's own console output must not come back in here.
      if (!inside && level >= min) {
        inside = true;
        try {
          const text = format(...args);
          target.log(level, text.replaceAll("{", "{{").replaceAll("}", "}}"));
        } finally {
          inside = false;
        }
      }
      original.apply(console, args);
    };
  }
  return {
    [Symbol.dispose]() {
      for (const [method, original] of originals) console[method] = original;
    },
  };
}
