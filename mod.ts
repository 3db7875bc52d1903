/**
 * flightlog: a flight recorder for application logs. Recent events are
 * kept in memory, per facility and level; when one is serious, an incident
 * file (foolscap's flogfile v1, gzipped) records the history before it and
 * the events just after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLogger, listIncidents } from "@flightlog/flightlog";
 *
 * const dir = await Deno.makeTempDir();
 * const log = createLogger({ incidentDir: dir, app: "shop", trailingMs: 50 });
 * const db = log.child("db");
 * db.debug("connecting to {host}", { host: "db1" });
 * log.info("serving on port {port}", { port: 8080 });
 * db.weird("query took {ms} ms", { ms: 31_000 }); // triggers an incident
 * await log.close();
 *
 * const [incident] = await listIncidents(dir);
 * assert(incident.summary === "query took 31000 ms");
 * assert(incident.events === 3);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export { Level, type LevelName, levelName, parseLevel } from "./lib/levels.ts";
export type {
  FailureValue,
  Fields,
  FlogEvent,
  Incarnation,
  UnJSONableValue,
} from "./lib/flog_event.ts";
export { renderMessage } from "./lib/format.ts";
export type { BufferSizes } from "./lib/event_buffers.ts";
export {
  allOf,
  anyOf,
  atLeast,
  byFacility,
  defaultQualifier,
  never,
  type Qualifier,
} from "./lib/qualifier.ts";
export {
  type FlogEventRecord,
  FlogFileError,
  type FlogHeader,
  type FlogHeaderRecord,
  type FlogRecord,
  readFlog,
  type ReadFlogOptions,
} from "./lib/flogfile.ts";
export {
  type IncidentSummary,
  listIncidents,
  summarizeIncident,
  type SummarizeOptions,
} from "./lib/incidents.ts";
export type { IncidentInfo } from "./lib/reporter.ts";
export { FlightRecorder } from "./lib/recorder.ts";
export type {
  RateLimit,
  RecorderOptions,
  RecorderStats,
  SettledRecorderOptions,
} from "./lib/recorder_options.ts";
export { createLogger, type LoggerOptions } from "./lib/create_logger.ts";
export { Logger, type LoggerSettings } from "./lib/logger.ts";
export type { Threshold } from "./lib/threshold.ts";
export { withContext, type WithContextOptions } from "./lib/context.ts";
export type { ConsoleOptions } from "./lib/console_sink.ts";
export { type LogTapeRecord, logtapeSink } from "./lib/logtape_sink.ts";
export {
  captureConsole,
  type CaptureConsoleOptions,
} from "./lib/capture_console.ts";
export {
  requestContext,
  type RequestContextOptions,
  type ServeHandler,
} from "./lib/request_context.ts";
export type { IsolateOptions } from "./lib/context_buffers.ts";
export {
  activeSpan,
  parseTraceparent,
  type TraceIds,
} from "./lib/trace_context.ts";
export {
  DEFAULT_REDACT_KEYS,
  DEFAULT_REDACT_PATTERNS,
  type RedactOptions,
} from "./lib/redact.ts";
export {
  type GlobalHandlerOptions,
  type GlobalHandlers,
  installGlobalHandlers,
} from "./lib/global_handlers.ts";
export { dumpLines, type DumpOptions, type TimestampMode } from "./lib/dump.ts";
export { VERSION } from "./lib/version.ts";
export {
  type HelloMessage,
  type PublishMessage,
  readMessages,
  type ReadMessagesOptions,
} from "./lib/protocol.ts";
export type { BatchMessage, PickMessage } from "./lib/protocol_v2.ts";
export {
  publish,
  Publisher,
  type PublisherStats,
  type PublishOptions,
} from "./lib/publisher.ts";
