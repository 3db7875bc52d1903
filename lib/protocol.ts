/**
 * The publish protocol: newline-delimited JSON on a Unix socket, from the
 * app to each reader (a sidecar, `flightlog tail`...). Every line is one
 * message with a `t` (type). Every connection starts in version 1:
 *
 * | `t`         | when                                   | fields |
 * | ----------- | -------------------------------------- | ------ |
 * | `hello`     | first, once                            | `v` (1), `speaks`, `app`, `pid`, `incarnation`, `versions`, `host`, `bufferSizes`, `heartbeatMs`, `writesIncidents`, `incidentDir`, `time` |
 * | `events`    | catch-up (`history: true`, at least one message, maybe empty), then live | `events`: flat foolscap event dicts |
 * | `batch`     | v2 only, in place of `events`          | `keys`, `rows`, `history` |
 * | `dropped`   | before the next batch after an overflow | `count` (since the last), `total` |
 * | `incident`  | the app recorded an incident itself    | `name`, `path`, `trigger`, `events`, `complete` |
 * | `heartbeat` | every `heartbeatMs`                     | `time` |
 * | `goodbye`   | clean shutdown, last                   | `reason` |
 *
 * Readers ignore message types they do not know, so later versions can add
 * some; a change that breaks readers bumps `v`.
 *
 * Version 2 is negotiated: the hello's `speaks` lists the versions the app
 * speaks (`[1, 2]`), and a reader that speaks 2 answers with one line,
 * `{"t":"pick","v":2}`. From the app's next write on, that reader's events
 * come as `batch` messages: rows under shared key lists, without the
 * incarnation each v1 event repeats (see {@link ./protocol_v2.ts}). A
 * reader that does not answer (every v1 reader) gets v1 throughout, and a
 * v1 app (no `speaks`) is read as v1.
 *
 * @module
 */

import type { FlogEvent, Incarnation } from "./flog_event.ts";
import type { BufferSizes } from "./event_buffers.ts";
import { LineSplitter } from "./lines.ts";
import type { BatchMessage } from "./protocol_v2.ts";

/**
 * The protocol version every connection starts in (a hello's `v`); see
 * `PROTOCOL_VERSIONS` for the versions that can be picked.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { PROTOCOL_VERSION } from "./protocol.ts";
 * assert.equal(PROTOCOL_VERSION, 1);
 * ```
 */
export const PROTOCOL_VERSION = 1;

/**
 * The first message on every connection.
 *
 * @example
 * ```ts
 * import type { HelloMessage } from "@flightlog/flightlog";
 * const hello: HelloMessage = {
 *   t: "hello", v: 1, app: "shop", pid: 42, incarnation: ["ab", null],
 *   versions: {}, heartbeatMs: 1000, writesIncidents: false, time: 0,
 * };
 * ```
 */
export interface HelloMessage {
  /** The message type. */
  t: "hello";
  /** Protocol version the connection starts in: 1. */
  v: number;
  /** The versions the app speaks (v1 apps leave it out: 1 only). */
  speaks?: number[];
  /** The app's name. */
  app?: string;
  /** The app's process id. */
  pid: number;
  /** The logger's incarnation: new at every start. */
  incarnation: Incarnation;
  /** The app's versions (flightlog, deno and its own). */
  versions: Record<string, string>;
  /** Host name, when the app may read it. */
  host?: string;
  /** The app's buffer sizes. */
  bufferSizes?: BufferSizes;
  /** Interval of heartbeats, in ms. */
  heartbeatMs: number;
  /** The app writes its own incidents (it has an `incidentDir`). */
  writesIncidents: boolean;
  /**
   * Where the app writes its incidents (with `writesIncidents`): a reader
   * on the same file system takes from there those that finished while it
   * was away.
   */
  incidentDir?: string;
  /** When the hello was sent, seconds since the epoch. */
  time: number;
}

/**
 * Any message of the protocol.
 *
 * @example
 * ```ts
 * import type { PublishMessage } from "@flightlog/flightlog";
 * function isEnd(m: PublishMessage) { return m.t === "goodbye"; }
 * ```
 */
export type PublishMessage =
  | HelloMessage
  | { t: "events"; events: FlogEvent[]; history?: boolean }
  | BatchMessage
  | { t: "dropped"; count: number; total: number }
  | {
    t: "incident";
    name: string;
    path: string;
    trigger: FlogEvent;
    events: number;
    complete: boolean;
  }
  | { t: "heartbeat"; time: number }
  | { t: "goodbye"; reason: string };

/** The longest protocol line read, in characters: 16 MiB. */
export const MAX_MESSAGE_LINE = 16 * 1024 * 1024;

/** Options of {@linkcode readMessages}. */
export interface ReadMessagesOptions {
  /** Told of each line that is not a message (the rest goes on). */
  onBadLine?: (line: string) => void;
  /**
   * Lines longer than this are skipped (never held whole in memory).
   * @default {MAX_MESSAGE_LINE}
   */
  maxLineLength?: number;
  /** Told of each skipped long line: its number and length. */
  onOversized?: (line: number, length: number) => void;
}

/**
 * Reads protocol messages from a byte stream (a connection's `readable`).
 * Lines that are not JSON objects with a string `t` are skipped and counted
 * in `onBadLine`; a cut last line is ignored.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { readMessages } from "@flightlog/flightlog";
 * const bytes = new TextEncoder().encode('{"t":"heartbeat","time":1}\nnot json\n');
 * let bad = 0;
 * const messages = await Array.fromAsync(
 *   readMessages(ReadableStream.from([bytes]), { onBadLine: () => bad++ }),
 * );
 * assert.equal(messages[0].t, "heartbeat");
 * assert.equal(bad, 1);
 * ```
 */
export async function* readMessages(
  readable: ReadableStream<Uint8Array>,
  options: ReadMessagesOptions = {},
): AsyncGenerator<PublishMessage> {
  const decoder = new TextDecoder();
  const splitter = new LineSplitter({
    maxLength: options.maxLineLength ?? MAX_MESSAGE_LINE,
    onOversized: options.onOversized,
  });
  const reader = readable.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      for (
        const line of splitter.push(decoder.decode(value, { stream: true }))
      ) {
        let message: unknown;
        try {
          message = JSON.parse(line);
        } catch {
          message = undefined;
        }
        if (
          typeof message === "object" && message !== null &&
          typeof (message as { t?: unknown }).t === "string"
        ) {
          yield message as PublishMessage;
        } else if (line.trim() !== "") {
          options.onBadLine?.(line);
        }
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
