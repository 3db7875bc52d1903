/**
 * The lifecycle of an isolated buffer (one per request, under
 * `isolateBy`): released when its request ends without an incident in
 * progress for it, rather than after `ttlMs`; or by hand, with
 * `log.discard()` and `log.flush()`.
 *
 * @module
 */

import { currentContext } from "./context.ts";
import type { FlightRecorder } from "./recorder.ts";

// Recorders with isolated buffers, for requestContext() without a logger.
const isolating = new Set<FlightRecorder>();

/** Makes `recorder`'s buffers released by `requestContext()` (until closed). */
export function registerIsolation(recorder: FlightRecorder): void {
  if (recorder.isolation === undefined) return;
  isolating.add(recorder);
  recorder.onClose(() => {
    isolating.delete(recorder);
  });
}

/** Whether the incident `recorder` records now is the one of `value`. */
function recording(recorder: FlightRecorder, value: unknown): boolean {
  const key = recorder.isolation?.key;
  const active = recorder.activeIncident;
  return key !== undefined && active !== undefined &&
    active.trigger[key] === value;
}

/**
 * Releases, in `recorder` (or in every registered recorder), the buffer of
 * the value `context` has for the recorder's isolation key, unless its
 * incident is being recorded.
 */
export function releaseBuffer(
  recorder: FlightRecorder | undefined,
  context: Readonly<Record<string, unknown>>,
): void {
  const recorders = recorder === undefined ? isolating : [recorder];
  for (const rec of recorders) {
    const isolation = rec.isolation;
    if (isolation === undefined) continue;
    const value = context[isolation.key];
    if (value === undefined) continue;
    if (!recording(rec, value)) isolation.release(value);
  }
}

/** The current context's value of `recorder`'s isolation key, if any. */
function currentValue(recorder: FlightRecorder): unknown {
  const key = recorder.isolation?.key;
  return key === undefined ? undefined : currentContext()?.[key];
}

/** `log.discard()`: drops the current context's buffer now. */
export function discardCurrent(recorder: FlightRecorder): void {
  recorder.isolation?.release(currentValue(recorder));
}

/**
 * `log.flush()`: waits until the incident of the current context, if one
 * is being recorded, is written, then drops the context's buffer.
 */
export async function flushCurrent(recorder: FlightRecorder): Promise<void> {
  const value = currentValue(recorder);
  if (value === undefined) return;
  if (recording(recorder, value)) {
    const trigger = recorder.activeIncident!.trigger;
    await new Promise<void>((resolve) => {
      const done = () => {
        off();
        offClose();
        resolve();
      };
      const off = recorder.onIncident((info) => {
        if (info.trigger === trigger) done();
      });
      // close() drops observers without calling them: do not wait for it.
      const offClose = recorder.onClose(done);
    });
  }
  recorder.isolation!.release(value);
}
