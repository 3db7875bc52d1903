/**
 * The OTLP export's flags (`--otlp*`) and config-file object, shared by
 * `flightlog sidecar` and `flightlog gather`.
 *
 * @module
 */

import type { OtlpExportOptions } from "../otlp/export.ts";
import { parseHeader, parseHeadersFile } from "./_otlp_headers.ts";
import { checkUrl, ConfigError, readText } from "./_config_fields.ts";

/** The flags, for `parseArgs`. */
export const OTLP_FLAGS = {
  "trace-url": { type: "string" },
  otlp: { type: "string" },
  "otlp-header": { type: "string", multiple: true },
  "otlp-headers-file": { type: "string" },
  "otlp-around": { type: "string" },
} as const;

/** Their usage lines. */
export const OTLP_USAGE =
  `  --trace-url TEMPLATE   link trace ids in the viewer: a URL with {trace_id} in it
  --otlp URL             export each new incident as OTLP logs (JSON) to URL/v1/logs
  --otlp-header K=V      a header of those requests (repeatable)
  --otlp-headers-file F  more headers, one K=V a line (tokens)
  --otlp-around N        export only the trigger and N events each side of it
`;

/** The `otlp` object of a config file. */
export interface OtlpConfig {
  /** The receiver's base URL. */
  url?: string;
  /** Request headers. */
  headers?: Record<string, string>;
  /** A file of more headers. */
  headersFile?: string;
  /** Only the trigger and this many events each side. */
  around?: number;
}

const FIELDS = ["url", "headers", "headersFile", "around"];

/**
 * Checks a `--trace-url` template: an http(s) URL holding `{trace_id}`.
 * Returns it (undefined stays undefined); a `TypeError` naming `where`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { traceUrlOf } from "./_otlp_flags.ts";
 * const t = "https://tempo.example/trace/{trace_id}";
 * assert.equal(traceUrlOf("--trace-url", t), t);
 * ```
 */
export function traceUrlOf(
  where: string,
  template: unknown,
): string | undefined {
  if (template === undefined) return undefined;
  let ok = false;
  try {
    ok = typeof template === "string" && template.includes("{trace_id}") &&
      /^https?:$/.test(
        new URL(template.replaceAll("{trace_id}", "0")).protocol,
      );
  } catch { /* below */ }
  if (!ok) {
    throw new ConfigError(
      `${where}: expected an http(s) URL with {trace_id} in it, got ${
        JSON.stringify(template)
      }`,
    );
  }
  return template as string;
}

/**
 * OTLP export settings from the flags (first) and the config file's `otlp`
 * object; undefined when neither names a URL. Errors name the flag or the
 * field (`field(name)` says how a config field is named).
 */
export async function otlpOf(
  values: {
    otlp?: string;
    "otlp-header"?: string[];
    "otlp-headers-file"?: string;
    "otlp-around"?: string;
  },
  cfg: OtlpConfig | undefined,
  field: (name: string) => string,
): Promise<OtlpExportOptions | undefined> {
  if (cfg !== undefined && (typeof cfg !== "object" || cfg === null)) {
    throw new ConfigError(`${field("otlp")}: expected an object`);
  }
  for (const k of Object.keys(cfg ?? {})) {
    if (!FIELDS.includes(k)) {
      throw new ConfigError(`${field(`otlp.${k}`)}: unknown field`);
    }
  }
  const url = values.otlp ?? cfg?.url;
  if (url === undefined) return undefined;
  checkUrl(values.otlp ? "--otlp" : field("otlp.url"), url);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(cfg?.headers ?? {})) {
    const [name, value] = parseHeader(field(`otlp.headers`), `${k}=${v}`);
    headers[name] = value;
  }
  const file = values["otlp-headers-file"] ?? cfg?.headersFile;
  if (file !== undefined) {
    const where = values["otlp-headers-file"]
      ? "--otlp-headers-file"
      : field("otlp.headersFile");
    Object.assign(headers, parseHeadersFile(file, await readText(where, file)));
  }
  for (const h of values["otlp-header"] ?? []) {
    const [name, value] = parseHeader("--otlp-header", h);
    headers[name] = value;
  }
  const aroundText = values["otlp-around"] ?? cfg?.around;
  let around: number | undefined;
  if (aroundText !== undefined) {
    around = Number(aroundText);
    if (!Number.isSafeInteger(around) || around < 0) {
      throw new ConfigError(
        `${
          values["otlp-around"] ? "--otlp-around" : field("otlp.around")
        }: expected an integer >= 0, got ${JSON.stringify(aroundText)}`,
      );
    }
  }
  return { url, headers, around };
}
