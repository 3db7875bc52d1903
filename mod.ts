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

export {
  ALIASES,
  Level,
  type LevelName,
  levelName,
  parseLevel,
} from "./lib/levels.ts";
export {
  encodeJSON,
  type FailureValue,
  fieldKey,
  type Fields,
  type FlogEvent,
  type Incarnation,
  jsonableEvent,
  toFailure,
  toFoolscapFormat,
  toJSONable,
  type UnJSONableValue,
} from "./lib/event.ts";
export { pyRepr, pyStr, renderMessage } from "./lib/format.ts";
export { RingBuffer } from "./lib/ring_buffer.ts";
export {
  type BufferSizes,
  DEFAULT_BUFFER_SIZE,
  EventBuffers,
  FacilityBuffers,
} from "./lib/event_buffers.ts";
export { matchFacility } from "./lib/facility.ts";
export {
  allOf,
  anyOf,
  atLeast,
  byFacility,
  defaultQualifier,
  never,
  type Qualifier,
  toPredicate,
} from "./lib/qualifier.ts";
export { LineSplitter, LineStream } from "./lib/lines.ts";
export {
  eventLine,
  FLOG_MAGIC,
  type FlogEventRecord,
  FlogFileError,
  type FlogHeader,
  type FlogHeaderRecord,
  type FlogRecord,
  headerLine,
  readFlog,
  type ReadFlogOptions,
} from "./lib/flogfile.ts";
export {
  eventId,
  incidentBaseName,
  type IncidentSummary,
  listIncidents,
  summarizeIncident,
} from "./lib/incident_files.ts";
export {
  type IncidentInfo,
  IncidentReporter,
  type ReporterOptions,
} from "./lib/reporter.ts";
export {
  FlightRecorder,
  type RateLimit,
  type RecorderOptions,
  type RecorderStats,
} from "./lib/recorder.ts";
export {
  createLogger,
  Logger,
  type LoggerOptions,
  type Threshold,
} from "./lib/logger.ts";
export {
  type GlobalHandlerOptions,
  type GlobalHandlers,
  installGlobalHandlers,
} from "./lib/global_handlers.ts";
export {
  dumpLines,
  type DumpOptions,
  formatTime,
  type TimestampMode,
} from "./lib/dump.ts";
export { VERSION } from "./lib/version.ts";
export {
  type HelloMessage,
  PROTOCOL_VERSION,
  type PublishMessage,
  readMessages,
} from "./lib/protocol.ts";
export {
  publish,
  Publisher,
  type PublisherStats,
  type PublishOptions,
} from "./lib/publisher.ts";
