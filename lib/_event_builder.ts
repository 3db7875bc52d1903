/**
 * How a logger builds the event of a log call: the template converted to
 * foolscap's format (cached for the last one), the call's fields prepared
 * (secrets redacted), merged after the context's and the bound ones, and
 * Deno's active span's ids.
 *
 * @module
 */

import { withCallStack } from "./_call_stack.ts";
import type { FieldShape } from "./_fields.ts";
import { currentContext } from "./context.ts";
import { toFoolscapFormat } from "./event.ts";
import type { Fields, FlogEvent } from "./flog_event.ts";
import type { FlightRecorder } from "./recorder.ts";
import { activeSpan } from "./trace_context.ts";

const NO_FIELDS: Fields = Object.freeze({});

/** Builds the events of one logger (its facility and bound fields). */
export class EventBuilder {
  readonly #rec: FlightRecorder;
  readonly #facility: string | undefined;
  readonly #bound: Fields | undefined;
  readonly #mergedByContext = new WeakMap<object, Fields>();
  // One-entry cache of the last template's conversion (saves a map lookup).
  #lastTemplate: unknown = undefined;
  #lastFormat = "";
  #lastShape: FieldShape | undefined;
  // The bound fields, prepared once; the last context's merge with them.
  #boundPrepared: Fields | undefined;
  #lastContext: Readonly<Fields> | undefined;
  #lastMerged: Fields = NO_FIELDS;

  /** A builder for `facility`'s events, carrying `bound` fields. */
  constructor(
    recorder: FlightRecorder,
    facility: string | undefined,
    bound: Fields | undefined,
  ) {
    this.#rec = recorder;
    this.#facility = facility;
    this.#bound = bound;
  }

  /** The event of a call at `level` (not yet recorded; may throw). */
  build(
    level: number,
    template: string,
    fields: Fields | undefined,
  ): FlogEvent {
    const rec = this.#rec;
    let format = this.#lastFormat;
    if (template !== this.#lastTemplate) {
      format = toFoolscapFormat(rec.prepare.template(template));
      this.#lastTemplate = template;
      this.#lastFormat = format;
      this.#lastShape = rec.prepare.shape(template);
    }
    const own = fields === undefined ? NO_FIELDS : rec.prepare.fields(
      fields.stacktrace === true ? withCallStack(fields) : fields,
      this.#lastShape,
    );
    const context = currentContext();
    // Deno's active span, when OTEL_DENO is on (undefined, cheaply, if not).
    const span = activeSpan();
    if (context === undefined && this.#bound === undefined) {
      // A plain identifier spread first is V8's fast object clone (an
      // expression there, such as `a ?? b`, is not): keep this literal apart.
      if (span === undefined) {
        return {
          ...own,
          num: rec.nextNum(),
          time: rec.now() / 1000,
          incarnation: rec.incarnation,
          level,
          facility: this.#facility,
          format,
        } as FlogEvent;
      }
      return {
        ...own,
        num: rec.nextNum(),
        time: rec.now() / 1000,
        incarnation: rec.incarnation,
        level,
        facility: this.#facility,
        format,
        trace_id: span.trace_id,
        span_id: span.span_id,
      } as FlogEvent;
    }
    // Context and bound fields are prepared and merged once per context; a
    // second spread is slow, so the call's own fields are copied after.
    const merged = this.#merged(context);
    const event: FlogEvent = {
      ...merged,
      num: rec.nextNum(),
      time: rec.now() / 1000,
      incarnation: rec.incarnation,
      level,
      facility: this.#facility,
      format,
    };
    for (const key in own) event[key] = own[key];
    if (span !== undefined) {
      event.trace_id = span.trace_id;
      event.span_id = span.span_id;
    }
    return event;
  }

  /** The context's and bound fields, prepared and merged (cached). */
  #merged(context: Readonly<Fields> | undefined): Fields {
    const prepare = this.#rec.prepare;
    const bound = this.#boundPrepared ??= this.#bound === undefined
      ? NO_FIELDS
      : prepare.shared(this.#bound);
    if (context === undefined) return bound;
    if (context === this.#lastContext) return this.#lastMerged;
    let merged = this.#mergedByContext.get(context);
    if (merged === undefined) {
      merged = { ...prepare.shared(context), ...bound };
      this.#mergedByContext.set(context, merged);
    }
    this.#lastContext = context;
    this.#lastMerged = merged;
    return merged;
  }
}
