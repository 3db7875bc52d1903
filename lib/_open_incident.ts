/**
 * Opening an incident for a trigger: the events before it (only its own
 * under `isolateBy`), with source lines, its header, and the reporter that
 * writes them and the trailing events.
 *
 * @module
 */

import type { ContextBuffers, Selection } from "./context_buffers.ts";
import type { FlogEvent, Incarnation } from "./flog_event.ts";
import { incidentHeader } from "./_incident_header.ts";
import type { SettledRecorderOptions } from "./recorder_options.ts";
import { type IncidentInfo, IncidentReporter } from "./reporter.ts";
import type { AddSource } from "./source_context.ts";

/** What opening an incident needs of its recorder. */
export interface IncidentOpener {
  /** The recorder's settled options. */
  readonly options: Readonly<SettledRecorderOptions>;
  /** The recorder's own incarnation (its events are "local"). */
  readonly incarnation: Incarnation;
  /** The host name, when known. */
  readonly host: string | undefined;
  /** The per-value buffers of `isolateBy`, if set. */
  readonly isolation: ContextBuffers | undefined;
  /** Every buffered event, oldest first. */
  snapshot(): FlogEvent[];
  /** Reports a contained exception once per `what`. */
  reportOnce(what: string, error: unknown): void;
}

/** The rest of what opening one incident needs. */
export interface IncidentStart {
  /** The event that qualified. */
  trigger: FlogEvent;
  /** Under `isolateBy`: which events go in it. */
  takes: Selection | undefined;
  /** The incident directory. */
  dir: string;
  /** Adds source lines to the trigger and history. */
  addSource: AddSource;
  /** Incidents refused by the rate limit since the last one. */
  suppressed: number;
  /** Called with the reporter and its info once it is finished. */
  onFinish: (reporter: IncidentReporter, info: IncidentInfo) => void;
}

/** Starts the reporter of the incident that `start.trigger` begins; may throw. */
export function openIncident(
  rec: IncidentOpener,
  start: IncidentStart,
): IncidentReporter {
  const { trigger, takes } = start;
  // The events before it (see `history` for isolation), with source lines.
  const all = rec.snapshot();
  const src = start.addSource(
    trigger,
    takes === undefined
      ? all.filter((e) => e !== trigger)
      : rec.isolation!.history(all, trigger, takes),
  );
  const options = rec.options;
  const header = incidentHeader(src.trigger, {
    app: options.app,
    host: rec.host,
    versions: options.versions,
    release: options.release,
    suppressed: start.suppressed,
    hook: options.header,
    onHookError: (e) => rec.reportOnce("header hook", e),
  });
  if (takes !== undefined) {
    header.isolated = { key: rec.isolation!.key, value: takes.value };
  }
  const reporter: IncidentReporter = new IncidentReporter({
    dir: start.dir,
    header,
    history: src.history,
    from: (e) => e.incarnation === rec.incarnation ? "local" : options.from,
    trailingEvents: options.trailingEvents,
    trailingMs: options.trailingMs,
    onFinish: (info) => start.onFinish(reporter, info),
  });
  return reporter;
}
