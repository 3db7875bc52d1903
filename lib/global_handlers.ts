/**
 * Turns uncaught errors and unhandled rejections into BAD events, so the
 * crash that takes the process down leaves an incident behind.
 *
 * @module
 */

import { Level } from "./levels.ts";
import type { Logger } from "./logger.ts";
import { wasRecorded } from "./_failures.ts";

/**
 * Options of {@linkcode installGlobalHandlers}.
 *
 * @example
 * ```ts
 * import type { GlobalHandlerOptions } from "@flightlog/flightlog";
 * const opts: GlobalHandlerOptions = { exit: true, exitCode: 70 };
 * ```
 */
export interface GlobalHandlerOptions {
  /**
   * After recording, finish the incident (`logger.close()`) and exit the
   * process, as Deno would have. With false, the error is recorded and
   * Deno's default handling goes on (the process dies at once; the next
   * start recovers the incident).
   * @default {true}
   */
  exit?: boolean;
  /**
   * Exit code when `exit` is true (as Deno).
   * @default {1}
   */
  exitCode?: number;
}

/**
 * What {@linkcode installGlobalHandlers} returns: removes the handlers.
 *
 * @example
 * ```ts
 * import type { GlobalHandlers } from "@flightlog/flightlog";
 * function done(h: GlobalHandlers) { h.remove(); }
 * ```
 */
export interface GlobalHandlers extends Disposable {
  /** Removes the handlers (also on dispose). */
  remove(): void;
}

/**
 * Records uncaught errors and unhandled promise rejections as BAD events
 * (with the error as a failure), which triggers an incident under the
 * default qualifier. By default it then finishes the incident and exits
 * with code 1, printing the error as Deno does.
 *
 * @example
 * ```ts
 * import { createLogger, installGlobalHandlers } from "@flightlog/flightlog";
 * const log = createLogger();
 * // const, not `using`: the handlers must live as long as the process.
 * const handlers = installGlobalHandlers(log);
 * // ... the app runs ...
 * handlers.remove(); // only to undo them, as here in a doc test
 * await log.close();
 * ```
 */
export function installGlobalHandlers(
  logger: Logger,
  options: GlobalHandlerOptions = {},
): GlobalHandlers {
  const exit = options.exit ?? true;
  let handling = false;
  const handle = (kind: string, error: unknown, event: Event) => {
    if (exit) event.preventDefault();
    if (handling) return;
    handling = true;
    // A rejection is handled in its promise's context: the event is
    // recorded there (with its request's fields, in its isolated incident),
    // unless `requestContext` or `withContext` recorded it already.
    if (!wasRecorded(error)) {
      logger.err(error, {
        level: Level.BAD,
        why: `${kind} ${
          error instanceof Error
            ? `${error.name}: ${error.message}`
            : String(error)
        }`,
      });
    }
    if (!exit) return;
    logger.close().finally(() => {
      // As Deno prints it: "error: Uncaught (in promise) Error: boom" and
      // the stack, or the inspected value when it is not an Error.
      const shown = error instanceof Error
        ? (error.stack ?? `${error.name}: ${error.message}`)
        : Deno.inspect(error);
      console.error(`error: ${kind} ${shown}`);
      Deno.exit(options.exitCode ?? 1);
    });
  };
  const onError = (e: ErrorEvent) =>
    handle("Uncaught", e.error ?? e.message, e);
  const onRejection = (e: PromiseRejectionEvent) =>
    handle("Uncaught (in promise)", e.reason, e);
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onRejection);
  const remove = () => {
    globalThis.removeEventListener("error", onError);
    globalThis.removeEventListener("unhandledrejection", onRejection);
  };
  return { remove, [Symbol.dispose]: remove };
}
