/**
 * `flightlog sidecar`: runs a sidecar from flags and/or a JSON config file.
 *
 * ```sh
 * flightlog sidecar --socket /run/shop.sock --dir ./incidents --listen 127.0.0.1:0
 * ```
 *
 * @module
 */

import { TOKEN_USAGE } from "./_token_flags.ts";
import { parseArgs } from "node:util";
import type { BufferSizes } from "../lib/event_buffers.ts";
import {
  levelQualifier,
  logFormat,
  type QualifierConfig,
  qualifierOf,
  type RedactConfig,
  redactOf,
} from "./_recorder_fields.ts";
import {
  checkUrl,
  CLICKHOUSE_USAGE,
  configKeys,
  num,
  positive,
  readText,
} from "./_config_fields.ts";
import type { Peer } from "../http/outbox.ts";
import { Sidecar, type SidecarOptions } from "../sidecar/sidecar.ts";
import { OTLP_USAGE } from "./_otlp_flags.ts";
import {
  SERVE_FLAGS,
  type ServeConfig,
  serveConfig,
  serveFields,
  serveUntilSignal,
} from "./_serve_main.ts";

/**
 * The usage text of `flightlog sidecar`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { SIDECAR_USAGE } from "./sidecar.ts";
 * assert.match(SIDECAR_USAGE, /--socket/);
 * ```
 */
export const SIDECAR_USAGE = `Usage: flightlog sidecar [options]

  --dir DIR              incident store (required, here or in --config)
  --socket PATH          the app's socket to tail (optional: without it, only store and serve)
  --listen HOST:PORT     HTTP API address (default 127.0.0.1:7477; port 0 picks a free one)
  --token-file FILE      bearer token file (default DIR/token; generated, mode 0600)
${TOKEN_USAGE.trimEnd()}
  --peer URL             push new incidents to this sidecar (repeatable)
  --peer-token-file FILE the peers' bearer token
  --peer-ca FILE         PEM CA certificate to trust for https peers
  --cert FILE --key FILE serve HTTPS
  --qualify LEVEL        incidents from this level up (default WEIRD)
  --trailing-events N    trailing events per incident (default 100)
  --trailing-ms MS       trailing window (default 5000)
  --retention-count N    keep at most N incidents
  --retention-days D     drop incidents older than D days
  --retention-bytes B    keep at most B bytes of incidents
  --heartbeat-timeout-ms MS  app taken as hung after MS without a message
  --isolate-by KEY       request-scoped incidents: an incident holds its own KEY's events only
  --max-buffered-bytes B estimated bytes of the app's events kept in memory (default 8 MiB)
  --max-event-bytes B    longer events have their long strings cut (default 64 KiB)
  --max-age-ms MS        drop buffered events older than MS behind the newest (default: no bound)
  --redact-key NAME      also redact fields named like NAME (repeatable)
  --no-redact            keep the app's events as received (default: redact secrets)
  --max-connections N    HTTP connections open at once, at most (default 256)
  --idle-timeout-ms MS   close HTTP connections idle this long (default 60000)
  --quiet                no activity lines (connections, deaths, incidents, bad input)
  --log-format FORMAT    activity lines as text (default) or json
${CLICKHOUSE_USAGE.trimEnd()}
${OTLP_USAGE.trimEnd()}
  --config FILE          JSON file with the same settings (flags win); see README
  -h, --help             this help
`;

/** The JSON config file, as README documents it. */
interface ConfigFile extends ServeConfig {
  dir?: string;
  socket?: string;
  peers?: (string | { url: string; tokenFile?: string })[];
  peerTokenFile?: string;
  peerCaFile?: string;
  qualifier?: QualifierConfig;
  bufferSizes?: BufferSizes;
  maxBufferedBytes?: number;
  maxEventBytes?: number;
  maxAgeMs?: number;
  trailingEvents?: number;
  trailingMs?: number;
  rateLimit?: { max: number; windowMs: number } | false;
  heartbeatTimeoutMs?: number;
  maxBodyBytes?: number;
  redact?: RedactConfig;
  quiet?: boolean;
  logFormat?: "text" | "json";
  maxConnections?: number;
  idleTimeoutMs?: number;
  isolateBy?: string;
}

/** The fields of a sidecar's `--config` file. */
const CONFIG_KEYS = configKeys<ConfigFile>()([
  "dir",
  "socket",
  "listen",
  "tokenFile",
  "readTokenFile",
  "pushTokenFile",
  "peers",
  "peerTokenFile",
  "peerCaFile",
  "cert",
  "key",
  "qualifier",
  "bufferSizes",
  "maxBufferedBytes",
  "maxEventBytes",
  "maxAgeMs",
  "trailingEvents",
  "trailingMs",
  "rateLimit",
  "retention",
  "heartbeatTimeoutMs",
  "maxBodyBytes",
  "redact",
  "quiet",
  "logFormat",
  "maxConnections",
  "idleTimeoutMs",
  "isolateBy",
  "clickhouse",
  "otlp",
  "traceUrl",
]);

/**
 * Turns `flightlog sidecar` arguments (and the `--config` file they name)
 * into sidecar options. Throws an error naming the flag or config field
 * that is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseSidecarArgs } from "./sidecar.ts";
 * const opts = await parseSidecarArgs(["--dir", "/tmp/x", "--listen", "127.0.0.1:0", "--qualify", "SCARY"]);
 * assert.equal(opts.listen?.port, 0);
 * ```
 */
export async function parseSidecarArgs(
  args: string[],
): Promise<SidecarOptions> {
  const { values } = parseArgs({
    args,
    options: {
      ...SERVE_FLAGS,
      socket: { type: "string" },
      peer: { type: "string", multiple: true },
      "peer-token-file": { type: "string" },
      "peer-ca": { type: "string" },
      qualify: { type: "string" },
      "trailing-events": { type: "string" },
      "trailing-ms": { type: "string" },
      "heartbeat-timeout-ms": { type: "string" },
      "redact-key": { type: "string", multiple: true },
      "isolate-by": { type: "string" },
      "max-buffered-bytes": { type: "string" },
      "max-event-bytes": { type: "string" },
      "max-age-ms": { type: "string" },
      "no-redact": { type: "boolean" },
      quiet: { type: "boolean" },
      "max-connections": { type: "string" },
      "idle-timeout-ms": { type: "string" },
      "log-format": { type: "string" },
    },
  });
  const { cfg, field, dir } = await serveConfig<ConfigFile>(
    values,
    CONFIG_KEYS,
  );
  const peerToken = values["peer-token-file"] ?? cfg.peerTokenFile;
  const sharedToken = peerToken === undefined ? undefined : (await readText(
    values["peer-token-file"] ? "--peer-token-file" : field("peerTokenFile"),
    peerToken,
  )).trim();
  const peers: Peer[] = [];
  for (const p of values.peer ?? cfg.peers ?? []) {
    const url = checkUrl(
      values.peer ? "--peer" : field("peers"),
      typeof p === "string" ? p : p.url,
    );
    const own = typeof p === "object" && p.tokenFile !== undefined
      ? (await readText(field("peers[].tokenFile"), p.tokenFile)).trim()
      : undefined;
    peers.push({ url, token: own ?? sharedToken });
  }
  const peerCa = values["peer-ca"] ?? cfg.peerCaFile;
  const caCerts = peerCa === undefined ? undefined : [
    await readText(
      values["peer-ca"] ? "--peer-ca" : field("peerCaFile"),
      peerCa,
    ),
  ];
  const served = await serveFields(values, cfg, field);
  const qualifier = values.qualify !== undefined
    ? levelQualifier("--qualify", values.qualify)
    : qualifierOf(field("qualifier"), cfg.qualifier);
  return {
    dir,
    socketPath: values.socket ?? cfg.socket,
    ...served,
    peers,
    recorder: {
      qualifier,
      bufferSizes: cfg.bufferSizes,
      maxBufferedBytes: positive(
        "--max-buffered-bytes",
        values["max-buffered-bytes"],
      ) ?? positive(field("maxBufferedBytes"), cfg.maxBufferedBytes),
      maxEventBytes: positive("--max-event-bytes", values["max-event-bytes"]) ??
        positive(field("maxEventBytes"), cfg.maxEventBytes),
      maxAgeMs: positive("--max-age-ms", values["max-age-ms"]) ??
        positive(field("maxAgeMs"), cfg.maxAgeMs),
      trailingEvents: num("--trailing-events", values["trailing-events"]) ??
        num(field("trailingEvents"), cfg.trailingEvents),
      trailingMs: num("--trailing-ms", values["trailing-ms"]) ??
        num(field("trailingMs"), cfg.trailingMs),
      rateLimit: cfg.rateLimit,
      isolateBy: values["isolate-by"] ?? cfg.isolateBy,
      redact: values["no-redact"]
        ? false
        : redactOf(field("redact"), cfg.redact, values["redact-key"]),
    },
    outbox: caCerts === undefined ? undefined : { caCerts },
    heartbeatTimeoutMs:
      num("--heartbeat-timeout-ms", values["heartbeat-timeout-ms"]) ??
        num(field("heartbeatTimeoutMs"), cfg.heartbeatTimeoutMs),
    maxBodyBytes: num(field("maxBodyBytes"), cfg.maxBodyBytes),
    maxConnections: num("--max-connections", values["max-connections"]) ??
      num(field("maxConnections"), cfg.maxConnections),
    idleTimeoutMs: num("--idle-timeout-ms", values["idle-timeout-ms"]) ??
      num(field("idleTimeoutMs"), cfg.idleTimeoutMs),
    activity: {
      quiet: values.quiet ?? cfg.quiet ?? false,
      format: logFormat(
        values["log-format"] ? "--log-format" : field("logFormat"),
        values["log-format"] ?? cfg.logFormat,
      ),
    },
  };
}

/**
 * Runs `flightlog sidecar ARGS` until SIGINT or SIGTERM; returns the exit
 * code (2 for bad arguments).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { runSidecar } from "./sidecar.ts";
 * assert.equal(await runSidecar(["--help"]), 0);
 * ```
 */
export function runSidecar(args: string[]): Promise<number> {
  return serveUntilSignal(args, {
    command: "sidecar",
    usage: SIDECAR_USAGE,
    parse: parseSidecarArgs,
    start: (options: SidecarOptions) => Sidecar.start(options),
    defaultPort: 7477,
    report: (sidecar: Sidecar, options: SidecarOptions) => {
      if (sidecar.tokenFile) console.log(`token file: ${sidecar.tokenFile}`);
      if (options.socketPath) console.log(`tailing ${options.socketPath}`);
      console.log(`incidents in ${options.dir}`);
    },
    stopping: "finishing incidents and stopping",
  });
}

if (import.meta.main) Deno.exit(await runSidecar(Deno.args));
