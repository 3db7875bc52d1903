/**
 * Checking a pushed incident before it is stored: a gzipped flogfile whose
 * header is an incident's, read as a stream under stated limits (inflated
 * size, line length), so a decompression bomb is refused early and no
 * bytes that are not an incident reach the store or a peer.
 *
 * @module
 */

import { FlogFileError, readFlog } from "../lib/flogfile.ts";
import { slicer } from "../lib/_streams.ts";
import { eventProblem } from "../lib/protocol_checks.ts";
import { InvalidIncidentError } from "./errors.ts";
import { nameTimeProblem } from "./incident_identity.ts";

/** Limits of a pushed incident. */
export interface PushLimits {
  /**
   * Largest inflated size, in bytes.
   * @default {256 MiB}
   */
  maxInflatedBytes?: number;
  /**
   * Longest line, in characters.
   * @default {16 MiB}
   */
  maxLineLength?: number;
}

/**
 * The largest incident (its `.flog.gz` bytes) a server takes by default: a
 * push's body, a pulled incident, an app's own file.
 */
export const MAX_INCIDENT_BYTES = 64 * 1024 * 1024;

/** The defaults of {@linkcode PushLimits}. */
export const PUSH_LIMITS = {
  maxInflatedBytes: 256 * 1024 * 1024,
  maxLineLength: 16 * 1024 * 1024,
};

/** Counts the bytes through it; errors past `max`. */
function byteLimit(max: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.length;
      if (seen > max) {
        controller.error(
          new RangeError(`it inflates to more than ${max} bytes`),
        );
      } else controller.enqueue(chunk);
    },
  });
}

/**
 * Throws an {@linkcode InvalidIncidentError} saying why `bytes` (named
 * `name`) is not a whole incident within `limits`: not gzip, inflating
 * past the limit, a line too long, a damaged line, a header that is not an
 * incident's (`type: "incident"` with a `trigger` event, whose time is the
 * one in `name` when `check.nameTime`: a peer's), or no header.
 * Returns the number of events.
 */
export async function checkPushedIncident(
  name: string,
  bytes: Uint8Array<ArrayBuffer>,
  limits: PushLimits = {},
  check: { nameTime?: boolean } = {},
): Promise<number> {
  const max = limits.maxInflatedBytes ?? PUSH_LIMITS.maxInflatedBytes;
  const bad = (why: string, cause?: unknown) =>
    new InvalidIncidentError(`${name}: ${why}`, { cause });
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw bad("body is not gzip data (a .flog.gz file)");
  }
  // Fed in 1 KiB slices: no inflated chunk is much over 1 MiB.
  const inflated = new Blob([bytes]).stream()
    .pipeThrough(slicer(1024))
    .pipeThrough(
      new DecompressionStream("gzip") as TransformStream<
        Uint8Array,
        Uint8Array
      >,
    )
    .pipeThrough(byteLimit(max));
  let events = 0;
  let header = false;
  try {
    for await (
      const r of readFlog(inflated, {
        name,
        maxLineLength: limits.maxLineLength ?? PUSH_LIMITS.maxLineLength,
      })
    ) {
      if ("header" in r) {
        const h = r.header;
        if (header) throw bad("a second header");
        if (h.type !== "incident") {
          throw bad(
            `the header's type is ${JSON.stringify(h.type)}, not "incident"`,
          );
        }
        if (h.trigger === undefined) throw bad("the header has no trigger");
        // Checked as an app's event is: the index stores its fields.
        const problem = eventProblem(h.trigger);
        if (problem !== undefined) {
          throw bad(`the header's trigger is not an event: ${problem}`);
        }
        const late = check.nameTime
          ? nameTimeProblem(name, h.trigger.time)
          : undefined;
        if (late !== undefined) throw bad(late);
        header = true;
      } else {
        if (!header) throw bad("an event before the header");
        events++;
      }
    }
  } catch (e) {
    if (e instanceof InvalidIncidentError) throw e;
    if (
      e instanceof FlogFileError || e instanceof TypeError ||
      e instanceof RangeError
    ) {
      throw bad(`not a valid incident: ${e.message}`, e);
    }
    throw e;
  }
  if (!header) throw bad("a flogfile without a header");
  return events;
}
