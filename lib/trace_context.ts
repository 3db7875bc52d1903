/**
 * Trace context: the ids that join an event to its trace, as OpenTelemetry
 * names them (`trace_id`, `span_id`, lower-case hex). They come from the
 * span Deno's built-in OpenTelemetry has active (`OTEL_DENO=true`), else
 * from a request's W3C `traceparent` header.
 *
 * @module
 */

/**
 * The ids of a span, as events carry them.
 *
 * @example
 * ```ts
 * import type { TraceIds } from "@flightlog/flightlog";
 * const ids: TraceIds = {
 *   trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
 *   span_id: "00f067aa0ba902b7",
 * };
 * ```
 */
export interface TraceIds {
  /** 32 lower-case hex digits, not all zero. */
  trace_id: string;
  /** 16 lower-case hex digits, not all zero. */
  span_id: string;
}

// W3C Trace Context, level 1: version-traceid-parentid-flags. Version ff is
// invalid; a later version may append fields after a dash, which are ignored.
const TRACEPARENT =
  /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/**
 * The ids of a W3C `traceparent` header value, or undefined when it is not
 * one: a malformed value, version `ff`, extra fields under version `00`, or
 * an all-zero id are all ignored, as the specification says.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseTraceparent } from "./trace_context.ts";
 * assert.deepEqual(
 *   parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
 *   { trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", span_id: "00f067aa0ba902b7" },
 * );
 * assert.equal(parseTraceparent("00-" + "0".repeat(32) + "-00f067aa0ba902b7-01"), undefined);
 * ```
 */
export function parseTraceparent(
  value: string | null | undefined,
): TraceIds | undefined {
  if (typeof value !== "string" || value.length > 512) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (m === null) return undefined;
  const [, version, traceId, spanId, , rest] = m;
  if (version === "ff" || (version === "00" && rest !== undefined)) {
    return undefined;
  }
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { trace_id: traceId, span_id: spanId };
}

/** OpenTelemetry.js's context key of the active span (no npm needed). */
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");

interface SpanLike {
  spanContext(): { traceId: string; spanId: string };
}
interface ContextLike {
  getValue(key: symbol): unknown;
}
interface ContextManagerLike {
  active(): ContextLike;
}

// Looked up once: the log call only pays for `active()` and `getValue()`.
const manager: ContextManagerLike | undefined = (() => {
  try {
    const t = (Deno as unknown as {
      telemetry?: { contextManager?: ContextManagerLike };
    }).telemetry;
    const m = t?.contextManager;
    return typeof m?.active === "function" ? m : undefined;
  } catch {
    return undefined;
  }
})();

// The context outside any span: while it is the active one (always, when
// OTel is off), there is no span to read, and one comparison says so.
const root: ContextLike | undefined = (() => {
  try {
    const ctx = manager?.active();
    return ctx?.getValue(SPAN_KEY) === undefined ? ctx : undefined;
  } catch {
    return undefined;
  }
})();

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
// The last span seen and its ids: the events of one span share one object.
let lastSpan: unknown;
let lastIds: TraceIds | undefined;

/**
 * The ids of the span Deno's OpenTelemetry has active (when `OTEL_DENO` is
 * on and a span is: inside a `Deno.serve` handler, say), else undefined.
 * Never throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { activeSpan } from "./trace_context.ts";
 * assert.equal(activeSpan(), undefined); // no span outside a traced request
 * ```
 */
export function activeSpan(): TraceIds | undefined {
  if (manager === undefined) return undefined;
  try {
    const ctx = manager.active();
    if (ctx === root) return undefined;
    const span = ctx.getValue(SPAN_KEY) as SpanLike | undefined;
    if (span === undefined) return undefined;
    if (span === lastSpan) return lastIds;
    const c = span.spanContext();
    const ids = HEX32.test(c.traceId) && HEX16.test(c.spanId) &&
        c.traceId !== ZERO_TRACE && c.spanId !== ZERO_SPAN
      ? { trace_id: c.traceId, span_id: c.spanId }
      : undefined;
    lastSpan = span;
    lastIds = ids;
    return ids;
  } catch {
    return undefined;
  }
}

/**
 * The trace fields `requestContext()` puts in a request's context: none
 * when Deno has a span active (each event then takes that span's ids),
 * else the ids of the request's `traceparent` header, if valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { requestTraceFields } from "./trace_context.ts";
 * const req = new Request("http://x/", {
 *   headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
 * });
 * assert.equal(requestTraceFields(req).trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
 * ```
 */
export function requestTraceFields(req: Request): Partial<TraceIds> {
  if (activeSpan() !== undefined) return {};
  return parseTraceparent(req.headers.get("traceparent")) ?? {};
}

/**
 * Whether `text` is a trace id: 32 hex digits, not all zero (any case).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { isTraceId } from "./trace_context.ts";
 * assert(isTraceId("4bf92f3577b34da6a3ce929d0e0e4736"));
 * assert(!isTraceId("4bf92f35"));
 * ```
 */
export function isTraceId(text: string): boolean {
  return /^[0-9a-fA-F]{32}$/.test(text) && !/^0+$/.test(text);
}
