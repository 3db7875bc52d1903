/**
 * Reading settings from flags and JSON config files, shared by
 * `flightlog sidecar` and `flightlog gather`: each error names the flag or
 * the file and field that is wrong.
 *
 * @module
 */

import { flagProblem } from "./_did_you_mean.ts";

/** A flag or config field with a bad value; its message names which. */
export class ConfigError extends Error {}

/** A number >= 0 from a flag or field (undefined when absent). */
export function num(where: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) {
    throw new ConfigError(
      `${where}: expected a number >= 0, got ${JSON.stringify(v)}`,
    );
  }
  return n;
}

/** A number > 0 from a flag or field (undefined when absent). */
export function positive(where: string, v: unknown): number | undefined {
  const n = num(where, v);
  if (n === 0) {
    throw new ConfigError(`${where}: expected a number > 0, got 0`);
  }
  return n;
}

/** `HOST:PORT` as `Deno.serve` wants it; `where` names it in the error. */
export function parseListen(
  where: string,
  v: string,
): { hostname: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(v);
  if (m === null || Number(m[2]) > 65535) {
    throw new ConfigError(
      `${where}: expected HOST:PORT, got ${JSON.stringify(v)}`,
    );
  }
  return { hostname: m[1].replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}

/** A file's text; a {@linkcode ConfigError} naming `where` when unreadable. */
export async function readText(where: string, path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new ConfigError(
      `${where}: cannot read ${path}: ${(e as Error).message}`,
    );
  }
}

/** A JSON config file's object; a {@linkcode ConfigError} naming the file. */
export async function readConfig(
  path: string,
  known: ReadonlySet<string>,
): Promise<Record<string, unknown>> {
  const text = await readText("--config", path);
  let cfg: unknown;
  try {
    cfg = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  if (typeof cfg !== "object" || cfg === null || Array.isArray(cfg)) {
    throw new ConfigError(`${path}: expected a JSON object`);
  }
  // A misspelt setting is an error, not a silent default.
  for (const k of Object.keys(cfg)) {
    if (!known.has(k)) throw new ConfigError(`${path}: unknown field "${k}"`);
  }
  return cfg as Record<string, unknown>;
}

/**
 * The field names of a config file of type `C`, for {@linkcode readConfig}:
 * `configKeys<C>()([...])`, where the list must name every field of `C`, and
 * only those (a type error names what is missing).
 */
export function configKeys<C>() {
  return <const F extends readonly (keyof C & string)[]>(
    fields:
      & F
      & ([Exclude<keyof C, F[number]>] extends [never] ? unknown
        : { missing: Exclude<keyof C, F[number]> }),
  ): ReadonlySet<string> => new Set<string>(fields);
}

/** Checks a URL; a {@linkcode ConfigError} naming `where` when it is not one. */
export function checkUrl(where: string, url: unknown): string {
  let u: URL | undefined;
  try {
    if (typeof url === "string") u = new URL(url);
  } catch { /* below */ }
  if (u === undefined || !/^https?:$/.test(u.protocol)) {
    throw new ConfigError(
      `${where}: not an http(s) URL: ${JSON.stringify(url)}`,
    );
  }
  if (u.username !== "" || u.password !== "") {
    // Shown in /healthz, metrics and logs: no credentials in it.
    throw new ConfigError(
      `${where}: a URL with user:password@ is refused; give its token in a file`,
    );
  }
  return url as string;
}

/** Waits for SIGINT or SIGTERM; returns which came. */
export async function untilSignal(): Promise<string> {
  const stopped = Promise.withResolvers<string>();
  const signals = ["SIGINT", "SIGTERM"] as const;
  const handlers = signals.map((sig) => {
    const h = () => stopped.resolve(sig);
    Deno.addSignalListener(sig, h);
    return () => Deno.removeSignalListener(sig, h);
  });
  const sig = await stopped.promise;
  for (const off of handlers) off();
  return sig;
}

/** The ClickHouse flags (`--clickhouse*`) of `sidecar` and `gather`. */
export const CLICKHOUSE_FLAGS = {
  clickhouse: { type: "string", multiple: true },
  "clickhouse-database": { type: "string" },
  "clickhouse-user": { type: "string" },
  "clickhouse-password-file": { type: "string" },
  "clickhouse-cluster": { type: "string" },
} as const;

/** Their usage lines. */
export const CLICKHOUSE_USAGE =
  `  --clickhouse URL          keep incidents and events in ClickHouse (its HTTP interface);
                            repeat for every node of a cluster without ZooKeeper
  --clickhouse-database DB  its database (default flightlog)
  --clickhouse-user USER    its user
  --clickhouse-password-file F  its password
  --clickhouse-cluster NAME create the tables on this cluster (local + Distributed)
`;

/** The `clickhouse` object of a config file. */
interface ClickHouseConfig {
  url?: string;
  nodes?: string[];
  database?: string;
  user?: string;
  passwordFile?: string;
  cluster?: string;
}

/**
 * ClickHouse settings from the flags (first) and the config file's
 * `clickhouse` object; undefined when neither names a URL.
 */
export async function clickhouseOf(
  values: {
    clickhouse?: string[];
    "clickhouse-database"?: string;
    "clickhouse-user"?: string;
    "clickhouse-password-file"?: string;
    "clickhouse-cluster"?: string;
  },
  cfg: ClickHouseConfig | undefined,
  field: (name: string) => string,
): Promise<
  {
    url: string;
    nodes: string[];
    database?: string;
    user?: string;
    password?: string;
    cluster?: string;
  } | undefined
> {
  if (cfg !== undefined && (typeof cfg !== "object" || cfg === null)) {
    throw new ConfigError(`${field("clickhouse")}: expected an object`);
  }
  for (const k of Object.keys(cfg ?? {})) {
    if (
      !["url", "nodes", "database", "user", "passwordFile", "cluster"].includes(
        k,
      )
    ) {
      throw new ConfigError(`${field(`clickhouse.${k}`)}: unknown field`);
    }
  }
  const urls = values.clickhouse ??
    (cfg?.url === undefined ? [] : [cfg.url, ...(cfg.nodes ?? [])]);
  if (urls.length === 0) return undefined;
  const where = values.clickhouse ? "--clickhouse" : field("clickhouse.url");
  const checked = urls.map((u) => checkUrl(where, u));
  const passwordFile = values["clickhouse-password-file"] ?? cfg?.passwordFile;
  const database = values["clickhouse-database"] ?? cfg?.database;
  if (database !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new ConfigError(
      `${
        values["clickhouse-database"]
          ? "--clickhouse-database"
          : field("clickhouse.database")
      }: letters, digits and _ only, got ${JSON.stringify(database)}`,
    );
  }
  return {
    url: checked[0],
    nodes: checked.slice(1),
    database,
    user: values["clickhouse-user"] ?? cfg?.user,
    password: passwordFile === undefined ? undefined : (await readText(
      values["clickhouse-password-file"]
        ? "--clickhouse-password-file"
        : field("clickhouse.passwordFile"),
      passwordFile,
    )).trim(),
    cluster: values["clickhouse-cluster"] ?? cfg?.cluster,
  };
}

/**
 * A server command's options from its arguments, or its exit code: 0 after
 * `--help` (the usage printed), 2 after a bad argument (said, with the
 * usage).
 */
export async function serverOptions<T>(
  command: string,
  usage: string,
  args: string[],
  parse: (args: string[]) => Promise<T>,
): Promise<T | number> {
  if (args.includes("-h") || args.includes("--help")) {
    console.log(usage);
    return 0;
  }
  try {
    return await parse(args);
  } catch (e) {
    const problem = flagProblem((e as Error).message, usage);
    console.error(`flightlog ${command}: ${problem}\n\n${usage}`);
    return 2;
  }
}
