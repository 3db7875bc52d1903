/**
 * A LogTape sink that records LogTape's records as flightlog events, so an
 * app that logs through LogTape gets flight recording without changing its
 * log calls. Matched to LogTape's `Sink` shape structurally: no import.
 *
 * @module
 */

import { Level } from "./levels.ts";
import type { Logger } from "./logger.ts";

/** The part of LogTape's `LogRecord` this sink reads. */
export interface LogTapeRecord {
  /** The logger's category, e.g. `["shop", "db"]` (the facility `shop/db`). */
  readonly category: readonly string[];
  /** LogTape's level name. */
  readonly level: string;
  /** The message: text parts interleaved with values. */
  readonly message: readonly unknown[];
  /** The message as written: a `{name}` template, or template-literal parts. */
  readonly rawMessage: string | TemplateStringsArray;
  /** Structured properties. */
  readonly properties: Record<string, unknown>;
  /** When it was logged, in ms (flightlog stamps its own event time). */
  readonly timestamp?: number;
}

const LEVELS: Record<string, number> = {
  trace: Level.NOISY,
  debug: Level.NOISY,
  info: Level.OPERATIONAL,
  warning: Level.UNUSUAL,
  warn: Level.UNUSUAL,
  error: Level.SCARY,
  fatal: Level.BAD,
};

const escape = (text: string) =>
  text.replaceAll("{", "{{").replaceAll("}", "}}");

/**
 * A LogTape sink (`(record) => void`) recording into `log`: category to
 * facility (below `log`'s own), level to level (trace and debug NOISY,
 * info OPERATIONAL, warning UNUSUAL, error SCARY, fatal BAD), the message
 * template and properties to template and fields. A template-literal
 * message becomes `{arg0}`, `{arg1}`... with its values.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { createLogger, logtapeSink } from "@flightlog/flightlog";
 * const log = createLogger();
 * const sink = logtapeSink(log);
 * sink({
 *   category: ["shop", "db"], level: "warning", message: ["slow: ", 812, " ms"],
 *   rawMessage: "slow: {ms} ms", properties: { ms: 812 }, timestamp: Date.now(),
 * });
 * const [e] = log.snapshot();
 * assert.equal(e.facility, "shop/db");
 * assert.equal(e.format, "slow: %(ms)s ms");
 * await log.close();
 * ```
 */
export function logtapeSink(log: Logger): (record: LogTapeRecord) => void {
  const children = new Map<string, Logger>();
  return (record) => {
    try {
      const facility = record.category.join("/");
      let logger = children.get(facility);
      if (logger === undefined) {
        logger = facility === "" ? log : log.child(facility);
        children.set(facility, logger);
      }
      const level = LEVELS[record.level] ?? Level.OPERATIONAL;
      if (typeof record.rawMessage === "string") {
        logger.log(level, record.rawMessage, record.properties);
        return;
      }
      let template = "";
      const fields: Record<string, unknown> = { ...record.properties };
      record.message.forEach((part, i) => {
        if (i % 2 === 0) template += escape(String(part));
        else {
          const name = `arg${(i - 1) / 2}`;
          template += `{${name}}`;
          fields[name] = part;
        }
      });
      logger.log(level, template, fields);
    } catch (e) {
      log.recorder.reportOnce("logtape sink", e);
    }
  };
}
