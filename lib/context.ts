/**
 * Implicit context: fields that every event logged inside a function carry,
 * across awaits, whichever logger logs them (`AsyncLocalStorage`).
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import type { Fields } from "./flog_event.ts";

const storage = new AsyncLocalStorage<Readonly<Fields>>();
// Until the first withContext() call, log calls skip the storage lookup:
// apps that never use contexts pay nothing for them.
let used = false;

/**
 * Runs `fn` in a context: every event logged inside it, by any logger,
 * across awaits, carries `fields`. Nested contexts merge (inner fields win).
 * Fields given in a log call win over the context's. Returns what `fn`
 * returns.
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
export function withContext<T>(fields: Fields, fn: () => T): T {
  used = true;
  const outer = storage.getStore();
  return storage.run(
    Object.freeze(
      outer === undefined ? { ...fields } : { ...outer, ...fields },
    ),
    fn,
  );
}

/** The fields of the current context, if any. */
export function currentContext(): Readonly<Fields> | undefined {
  return used ? storage.getStore() : undefined;
}
