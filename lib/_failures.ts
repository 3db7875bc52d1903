/**
 * Failures of the app's own work (a request handler, a `withContext`
 * callback) recorded where they happen, inside their context, once: an
 * error recorded there is marked, so that the global handlers and outer
 * wrappers it passes through on its way up do not record it again.
 *
 * @module
 */

import { Level } from "./levels.ts";
import type { Fields } from "./flog_event.ts";
import type { Logger } from "./logger.ts";
import { toFailure } from "./event.ts";

const recorded = new WeakSet<object>();

/** Whether `error` was recorded by {@linkcode recordThrown} already. */
export function wasRecorded(error: unknown): boolean {
  return typeof error === "object" && error !== null && recorded.has(error);
}

/**
 * Records `error` through `logger` (in the current context) as a failure at
 * `level`, unless it was recorded before. Never throws.
 */
export function recordThrown(
  logger: Logger,
  error: unknown,
  level: number = Level.SCARY,
  fields: Fields = {},
): void {
  if (wasRecorded(error)) return;
  try {
    logger.err(error, { ...fields, level });
    if (typeof error === "object" && error !== null) recorded.add(error);
  } catch { /* a log call never throws into the app */ }
}

/**
 * Runs `fn`, recording what it throws or what its promise rejects with
 * (then passing it on unchanged). Call it inside the context it belongs to.
 */
export function recordingFailures<T>(
  fn: () => T,
  record: (error: unknown) => void,
): T {
  let result: T;
  try {
    result = fn();
  } catch (e) {
    record(e);
    throw e;
  }
  if (result instanceof Promise) {
    return result.catch((e) => {
      record(e);
      throw e;
    }) as T;
  }
  return result;
}

/**
 * What `log.err(error, fields)` logs: the failure (with `isError: 1`), the
 * text (`fields.why`, else `Name: message`, braces escaped) and the level.
 */
export function errorCall(
  error: unknown,
  fields: Fields,
): { level: number | undefined; template: string; fields: Fields } {
  const { level, why, ...rest } = fields;
  const failure = toFailure(error);
  const text = why === undefined
    ? `${failure.name}: ${failure.message}`
    : String(why);
  return {
    level: typeof level === "number" ? level : undefined,
    template: text.replaceAll("{", "{{").replaceAll("}", "}}"),
    fields: {
      ...rest,
      ...(why === undefined ? {} : { why }),
      failure,
      isError: 1,
    },
  };
}
