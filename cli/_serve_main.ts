/**
 * What `flightlog sidecar` and `flightlog gather` share: the flags and
 * config fields of a server with a store (listen address, tokens, TLS,
 * retention, ClickHouse, OTLP), and the run from parsed options to a
 * clean stop on SIGINT or SIGTERM.
 *
 * @module
 */

import { scopedTokensOf, TOKEN_FLAGS } from "./_token_flags.ts";
import {
  CLICKHOUSE_FLAGS,
  clickhouseOf,
  ConfigError,
  num,
  parseListen,
  readConfig,
  readText,
  serverOptions,
  untilSignal,
} from "./_config_fields.ts";
import {
  OTLP_FLAGS,
  type OtlpConfig,
  otlpOf,
  traceUrlOf,
} from "./_otlp_flags.ts";
import { EXIT, startupProblem, viewerLine } from "./_startup.ts";

/** The `parseArgs` options both server commands take. */
export const SERVE_FLAGS = {
  dir: { type: "string" },
  listen: { type: "string" },
  "token-file": { type: "string" },
  ...TOKEN_FLAGS,
  cert: { type: "string" },
  key: { type: "string" },
  "retention-count": { type: "string" },
  "retention-days": { type: "string" },
  "retention-bytes": { type: "string" },
  config: { type: "string" },
  ...CLICKHOUSE_FLAGS,
  ...OTLP_FLAGS,
} as const;

/** The flag values {@linkcode serveFields} reads. */
type ServeValues =
  & {
    listen?: string;
    "token-file"?: string;
    cert?: string;
    key?: string;
    "retention-count"?: string;
    "retention-days"?: string;
    "retention-bytes"?: string;
    "trace-url"?: string;
  }
  & Parameters<typeof scopedTokensOf>[0]
  & Parameters<typeof clickhouseOf>[0]
  & Parameters<typeof otlpOf>[0];

/** The config-file fields {@linkcode serveFields} reads. */
export interface ServeConfig {
  listen?: string;
  tokenFile?: string;
  readTokenFile?: string;
  pushTokenFile?: string;
  cert?: string;
  key?: string;
  retention?: { maxCount?: number; maxAgeDays?: number; maxBytes?: number };
  clickhouse?: Parameters<typeof clickhouseOf>[1];
  otlp?: OtlpConfig;
  traceUrl?: string;
}

/**
 * The `--config` file (empty without one), how its fields are named in
 * errors, and the store directory, which `--dir` or the file must give.
 */
export async function serveConfig<C extends ServeConfig & { dir?: string }>(
  values: { config?: string; dir?: string },
  keys: ReadonlySet<string>,
): Promise<{ cfg: C; field: (name: string) => string; dir: string }> {
  const src = values.config ?? "";
  const cfg = values.config === undefined
    ? {} as C
    : await readConfig(values.config, keys) as C;
  const field = (name: string) => `${src}: field "${name}"`;
  const dir = values.dir ?? cfg.dir;
  if (dir === undefined) {
    throw new ConfigError('--dir is required (or "dir" in --config)');
  }
  return { cfg, field, dir };
}

/**
 * The shared server options from the flags (first) and the config file;
 * errors name the flag or the field (`field(name)`). Reads the scoped
 * tokens, the TLS files and the ClickHouse password and OTLP header files.
 */
export async function serveFields(
  values: ServeValues,
  cfg: ServeConfig,
  field: (name: string) => string,
) {
  const tokens = await scopedTokensOf(values, cfg, field);
  const cert = values.cert ?? cfg.cert;
  const key = values.key ?? cfg.key;
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError("--cert and --key go together");
  }
  const listenText = values.listen ?? cfg.listen;
  const days = num("--retention-days", values["retention-days"]) ??
    num(field("retention.maxAgeDays"), cfg.retention?.maxAgeDays);
  return {
    listen: listenText === undefined
      ? undefined
      : parseListen(values.listen ? "--listen" : field("listen"), listenText),
    tokenFile: values["token-file"] ?? cfg.tokenFile,
    ...(tokens === undefined ? {} : { tokens }),
    tls: cert === undefined ? undefined : {
      cert: await readText("--cert", cert),
      key: await readText("--key", key!),
    },
    retention: {
      maxCount: num("--retention-count", values["retention-count"]) ??
        num(field("retention.maxCount"), cfg.retention?.maxCount),
      maxAgeMs: days === undefined ? undefined : days * 86_400_000,
      maxBytes: num("--retention-bytes", values["retention-bytes"]) ??
        num(field("retention.maxBytes"), cfg.retention?.maxBytes),
    },
    clickhouse: await clickhouseOf(values, cfg.clickhouse, field),
    otlp: await otlpOf(values, cfg.otlp, field),
    traceUrl: traceUrlOf(
      values["trace-url"] ? "--trace-url" : field("traceUrl"),
      values["trace-url"] ?? cfg.traceUrl,
    ),
  };
}

/** A started server, as {@linkcode serveUntilSignal} drives it. */
interface Served {
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

/** How one server command starts, what it says, and how it stops. */
export interface ServeMain<O, S extends Served> {
  /** `sidecar` or `gather`: the command's name in its lines. */
  command: string;
  /** The usage text, for `--help` and bad arguments. */
  usage: string;
  /** Arguments to options; throws on a bad flag or field. */
  parse: (args: string[]) => Promise<O>;
  /** Starts the server. */
  start: (options: O) => Promise<S>;
  /** The port when no `--listen` names one, for the address-in-use line. */
  defaultPort: number;
  /**
   * Prints the lines after the viewer line; may return what to undo after
   * the signal, before the server closes.
   */
  report: (server: S, options: O) => (() => void) | void;
  /** Follows `SIGNAL: ` in the line printed on a stop. */
  stopping: string;
}

/**
 * Runs a server command until SIGINT or SIGTERM: options (or the help, or
 * a usage error), start (or the one line why not), the listening, viewer
 * and `report` lines, then on a signal a stop line and a clean close.
 * Returns the exit code.
 */
export async function serveUntilSignal<
  O extends { listen?: { hostname?: string; port?: number } },
  S extends Served,
>(args: string[], main: ServeMain<O, S>): Promise<number> {
  const { command } = main;
  const options = await serverOptions(command, main.usage, args, main.parse);
  if (typeof options === "number") return options;
  let server: S;
  try {
    server = await main.start(options);
  } catch (e) {
    console.error(startupProblem(command, e, options.listen, main.defaultPort));
    return EXIT.failure;
  }
  // Listened for before anything is printed: a stop right after start is
  // a clean stop too.
  const stopped = untilSignal();
  console.log(`flightlog ${command} listening on ${server.url}`);
  console.log(viewerLine(server.url, server.token));
  const undo = main.report(server, options);
  const sig = await stopped;
  console.log(`${sig}: ${main.stopping}`);
  undo?.();
  await server.close();
  return EXIT.ok;
}
