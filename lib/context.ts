/**
 * Implicit context: fields that every event logged inside a function carry,
 * across awaits, whichever logger logs them (`AsyncLocalStorage`).
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import type { Fields } from "./flog_event.ts";
import type { Logger } from "./logger.ts";
import { recordingFailures, recordThrown } from "./_failures.ts";

const storage = new AsyncLocalStorage<Readonly<Fields>>();
// Until the first withContext() call, log calls skip the storage lookup:
// apps that never use contexts pay nothing for them.
let used = false;

/** Options of {@linkcode withContext}. */
export interface WithContextOptions {
  /**
   * Records what `fn` throws (or its promise rejects with) through this
   * logger, inside the context, before passing it on.
   */
  logger?: Logger;
  /**
   * The level of that record.
   * @default {Level.SCARY}
   */
  level?: number;
}

/**
 * Runs `fn` in a context: every event logged inside it, by any logger,
 * across awaits, carries `fields`. Nested contexts merge (inner fields win).
 * Fields given in a log call win over the context's. Returns what `fn`
 * returns. With `options.logger`, an error `fn` throws or rejects with is
 * recorded in the context (a failure, SCARY by default), then passed on.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLogger, withContext } from "@flightlog/flightlog";
 * const log = createLogger();
 * await withContext({ requestId: "r1" }, async () => {
 *   await Promise.resolve();
 *   log.info("handled");
 * });
 * assert.equal(log.snapshot()[0].requestId, "r1");
 * await log.close();
 * ```
 */
export function withContext<T>(
  fields: Fields,
  fn: () => T,
  options: WithContextOptions = {},
): T {
  used = true;
  const outer = storage.getStore();
  const { logger, level } = options;
  return storage.run(
    Object.freeze(
      outer === undefined ? { ...fields } : { ...outer, ...fields },
    ),
    logger === undefined
      ? fn
      : () => recordingFailures(fn, (e) => recordThrown(logger, e, level)),
  );
}

/** The fields of the current context, if any. */
export function currentContext(): Readonly<Fields> | undefined {
  return used ? storage.getStore() : undefined;
}
