/**
 * `flightlog gather`: runs a gatherer from flags and/or a JSON config file.
 *
 * ```sh
 * flightlog gather --dir ./gathered --listen 127.0.0.1:7478 \
 *   --source http://10.0.0.7:7477 --source-token-file ./sidecar.token \
 *   --rules ./rules --webhook https://hooks.example.com/x --webhook-secret-file ./hook.secret
 * ```
 *
 * @module
 */

import { TOKEN_USAGE } from "./_token_flags.ts";
import { parseArgs } from "node:util";
import {
  checkUrl,
  CLICKHOUSE_USAGE,
  configKeys,
  num,
  readText,
} from "./_config_fields.ts";
import { Gatherer, type GathererOptions } from "../gather/gatherer.ts";
import {
  SERVE_FLAGS,
  type ServeConfig,
  serveConfig,
  serveFields,
  serveUntilSignal,
} from "./_serve_main.ts";
import { announceIncidents } from "./_gather_lines.ts";
import type { Source } from "../gather/source.ts";
import type { Webhook } from "../gather/webhooks.ts";
import {
  type WebhookConfig,
  webhookFormat,
  webhookOf,
} from "./_webhook_config.ts";
import { OTLP_USAGE } from "./_otlp_flags.ts";

/**
 * The usage text of `flightlog gather`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { GATHER_USAGE } from "./gather.ts";
 * assert.match(GATHER_USAGE, /--source/);
 * ```
 */
export const GATHER_USAGE = `Usage: flightlog gather [options]

  --dir DIR                 the gathered store (required, here or in --config)
  --listen HOST:PORT        HTTP API address (default 127.0.0.1:7478; port 0 picks a free one)
  --token-file FILE         admin bearer token file (default DIR/token; generated, mode 0600)
${TOKEN_USAGE.trimEnd()}: give it to sidecars
  --source URL              pull incidents from this sidecar or gatherer (repeatable)
  --source-token-file FILE  the sources' bearer token
  --rules DIR               classification rules: *.ts and *.json files
  --rule-timeout-ms MS      most time one .ts rule may take (default 1000)
  --webhook URL             POST alerts here (repeatable)
  --webhook-secret-file F   HMAC key of X-Flightlog-Signature
  --webhook-format FORMAT   json (default) or slack
  --public-url URL          base of links in alerts (default: the listen address)
  --spike-count N           a spike is N incidents of one group... (default 10)
  --spike-minutes M         ...within M minutes (default 5)
  --retention-count N       keep at most N incidents
  --retention-days D        drop incidents older than D days
  --retention-bytes B       keep at most B bytes of incidents
  --cert FILE --key FILE    serve HTTPS
${CLICKHOUSE_USAGE.trimEnd()}
${OTLP_USAGE.trimEnd()}
  --config FILE             JSON file with the same settings, and per-source tokens
                            and per-webhook filters (flags win); see docs/gather.md
  -h, --help                this help

Sidecars push here with: flightlog sidecar --peer URL --peer-token-file F
`;

/** The JSON config file, as docs/gather.md documents it. */
interface ConfigFile extends ServeConfig {
  dir?: string;
  sources?: (string | { url: string; tokenFile?: string })[];
  sourceTokenFile?: string;
  rules?: string;
  ruleTimeoutMs?: number;
  webhooks?: (string | WebhookConfig)[];
  webhookSecretFile?: string;
  webhookFormat?: string;
  publicUrl?: string;
  spike?: { count?: number; minutes?: number };
  maxConnections?: number;
  idleTimeoutMs?: number;
  maxBodyBytes?: number;
}

const CONFIG_KEYS = configKeys<ConfigFile>()([
  "dir",
  "listen",
  "tokenFile",
  "readTokenFile",
  "pushTokenFile",
  "sources",
  "sourceTokenFile",
  "rules",
  "ruleTimeoutMs",
  "webhooks",
  "webhookSecretFile",
  "webhookFormat",
  "publicUrl",
  "spike",
  "retention",
  "cert",
  "key",
  "maxConnections",
  "idleTimeoutMs",
  "maxBodyBytes",
  "clickhouse",
  "otlp",
  "traceUrl",
]);

/**
 * Turns `flightlog gather` arguments (and the `--config` file they name)
 * into gatherer options. Throws an error naming the flag or config field
 * that is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseGatherArgs } from "./gather.ts";
 * const o = await parseGatherArgs(["--dir", "/tmp/g", "--source", "http://127.0.0.1:7477"]);
 * assert.equal(o.sources?.[0].url, "http://127.0.0.1:7477");
 * ```
 */
export async function parseGatherArgs(
  args: string[],
): Promise<GathererOptions> {
  const { values } = parseArgs({
    args,
    options: {
      ...SERVE_FLAGS,
      source: { type: "string", multiple: true },
      "source-token-file": { type: "string" },
      rules: { type: "string" },
      "rule-timeout-ms": { type: "string" },
      webhook: { type: "string", multiple: true },
      "webhook-secret-file": { type: "string" },
      "webhook-format": { type: "string" },
      "public-url": { type: "string" },
      "spike-count": { type: "string" },
      "spike-minutes": { type: "string" },
    },
  });
  const { cfg, field, dir } = await serveConfig<ConfigFile>(
    values,
    CONFIG_KEYS,
  );
  const tokenOf = async (where: string, file: string | undefined) =>
    file === undefined ? undefined : (await readText(where, file)).trim();
  const sharedToken = await tokenOf(
    values["source-token-file"]
      ? "--source-token-file"
      : field("sourceTokenFile"),
    values["source-token-file"] ?? cfg.sourceTokenFile,
  );
  const sources: Source[] = [];
  for (const [i, s] of (values.source ?? cfg.sources ?? []).entries()) {
    const where = values.source ? "--source" : field(`sources[${i}]`);
    const url = checkUrl(where, typeof s === "string" ? s : s?.url);
    const own = typeof s === "object"
      ? await tokenOf(`${where}.tokenFile`, s.tokenFile)
      : undefined;
    sources.push({ url, token: own ?? sharedToken });
  }
  const shared = {
    secret: await tokenOf(
      values["webhook-secret-file"]
        ? "--webhook-secret-file"
        : field("webhookSecretFile"),
      values["webhook-secret-file"] ?? cfg.webhookSecretFile,
    ),
    format: webhookFormat(
      values["webhook-format"] ? "--webhook-format" : field("webhookFormat"),
      values["webhook-format"] ?? cfg.webhookFormat,
    ),
  };
  const webhooks: Webhook[] = [];
  for (const [i, w] of (values.webhook ?? cfg.webhooks ?? []).entries()) {
    const where = values.webhook ? "--webhook" : field(`webhooks[${i}]`);
    webhooks.push(await webhookOf(where, w, shared));
  }
  const served = await serveFields(values, cfg, field);
  const minutes = num("--spike-minutes", values["spike-minutes"]) ??
    num(field("spike.minutes"), cfg.spike?.minutes);
  const publicUrl = values["public-url"] ?? cfg.publicUrl;
  return {
    dir,
    ...served,
    sources,
    rules: values.rules ?? cfg.rules,
    ruleTimeoutMs: num("--rule-timeout-ms", values["rule-timeout-ms"]) ??
      num(field("ruleTimeoutMs"), cfg.ruleTimeoutMs),
    webhooks,
    publicUrl: publicUrl === undefined ? undefined : checkUrl(
      values["public-url"] ? "--public-url" : field("publicUrl"),
      publicUrl,
    ),
    spike: {
      count: num("--spike-count", values["spike-count"]) ??
        num(field("spike.count"), cfg.spike?.count),
      windowMs: minutes === undefined ? undefined : minutes * 60_000,
    },
    maxConnections: num(field("maxConnections"), cfg.maxConnections),
    idleTimeoutMs: num(field("idleTimeoutMs"), cfg.idleTimeoutMs),
    maxBodyBytes: num(field("maxBodyBytes"), cfg.maxBodyBytes),
  };
}

/**
 * Runs `flightlog gather ARGS` until SIGINT or SIGTERM; returns the exit
 * code (2 for bad arguments).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { runGather } from "./gather.ts";
 * assert.equal(await runGather(["--help"]), 0);
 * ```
 */
export function runGather(args: string[]): Promise<number> {
  return serveUntilSignal(args, {
    command: "gather",
    usage: GATHER_USAGE,
    parse: parseGatherArgs,
    start: (options: GathererOptions) => Gatherer.start(options),
    defaultPort: 7478,
    report: (gatherer: Gatherer, options: GathererOptions) => {
      console.log(`token file: ${options.tokenFile ?? `${options.dir}/token`}`);
      for (const s of options.sources ?? []) {
        console.log(`pulling from ${s.url}`);
      }
      console.log(
        options.clickhouse === undefined
          ? `incidents in ${options.dir}`
          : `incidents in ClickHouse at ${options.clickhouse.url} (spool in ${options.dir}/spool)`,
      );
      return announceIncidents(gatherer.store);
    },
    stopping: "stopping",
  });
}

if (import.meta.main) Deno.exit(await runGather(Deno.args));
