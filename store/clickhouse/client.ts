/**
 * ClickHouse over its HTTP interface with `fetch` (no client library):
 * queries answered as `JSONEachRow`, inserts of `JSONEachRow` rows, string
 * literals escaped here (18.16 has no query parameters), and errors that
 * name the server and quote its message.
 *
 * @module
 */

import { errorMessage } from "../errors.ts";

/**
 * Where ClickHouse is, and as whom.
 *
 * @example
 * ```ts
 * import type { ClickHouseOptions } from "@flightlog/flightlog/store";
 * const ch: ClickHouseOptions = { url: "http://127.0.0.1:8123", database: "flightlog" };
 * ```
 */
export interface ClickHouseOptions {
  /** The HTTP interface of a node, like `http://127.0.0.1:8123`. */
  url: string;
  /**
   * The database of flightlog's tables.
   * @default {"flightlog"}
   */
  database?: string;
  /** The user (ClickHouse's `default` when unset). */
  user?: string;
  /** Its password. */
  password?: string;
  /**
   * A cluster (`remote_servers`) to create the tables on: local tables on
   * every node, and `Distributed` tables over them.
   */
  cluster?: string;
  /**
   * The HTTP interfaces of the cluster's nodes, to create tables on each
   * where the cluster has no ZooKeeper for `ON CLUSTER` (default: `url` only).
   */
  nodes?: string[];
  /**
   * Time limit of one request, in ms.
   * @default {30000}
   */
  timeoutMs?: number;
}

/** A failed request: the server's message, or why it could not be reached. */
export class ClickHouseError extends Error {
  /** The HTTP status, or 0 when the server was not reached. */
  readonly status: number;
  /** An error with the server's message and the HTTP status (0: not reached). */
  constructor(message: string, status: number) {
    super(message);
    this.name = "ClickHouseError";
    this.status = status;
  }
}

/** A string as a ClickHouse literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/[\\']/g, (c) => "\\" + c)}'`;
}

/** A whole number as a ClickHouse literal (refusing anything else). */
export function sqlInt(n: number): string {
  if (!Number.isSafeInteger(n)) throw new TypeError(`not an integer: ${n}`);
  return String(n);
}

/** One node's HTTP interface. */
export class ClickHouse {
  readonly url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  /** A client of the node at `url`. */
  constructor(
    url: string,
    options: { user?: string; password?: string; timeoutMs?: number } = {},
  ) {
    this.url = url.replace(/\/+$/, "");
    this.#headers = {
      ...(options.user === undefined
        ? {}
        : { "x-clickhouse-user": options.user }),
      ...(options.password === undefined
        ? {}
        : { "x-clickhouse-key": options.password }),
    };
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  async #send(
    sql: string,
    body: string | undefined,
    settings: Record<string, string>,
  ): Promise<string> {
    const params = new URLSearchParams({
      output_format_json_quote_64bit_integers: "0",
      ...settings,
    });
    let res: Response;
    try {
      res = await fetch(
        `${this.url}/?${params}${
          body === undefined ? "" : `&query=${encodeURIComponent(sql)}`
        }`,
        {
          method: "POST",
          headers: this.#headers,
          body: body ?? sql,
          signal: AbortSignal.timeout(this.#timeoutMs),
        },
      );
    } catch (e) {
      throw new ClickHouseError(
        `ClickHouse at ${this.url} cannot be reached: ${errorMessage(e)}`,
        0,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      throw new ClickHouseError(
        `ClickHouse at ${this.url} refused ${
          sql.trim().split(/\s+/, 3).join(" ")
        }…: ${text.trim()}`,
        res.status,
      );
    }
    return text;
  }

  /** Runs a statement (DDL, ALTER...). */
  async exec(
    sql: string,
    settings: Record<string, string> = {},
  ): Promise<void> {
    await this.#send(sql, undefined, settings);
  }

  /** Runs a query; its rows. */
  async query<T = Record<string, unknown>>(
    sql: string,
    settings: Record<string, string> = {},
  ): Promise<T[]> {
    const text = await this.#send(
      `${sql} FORMAT JSONEachRow`,
      undefined,
      settings,
    );
    return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  }

  /** Inserts `JSONEachRow` text (one JSON object per line) into `table`. */
  async insert(
    table: string,
    rows: string,
    settings: Record<string, string> = {},
  ): Promise<void> {
    if (rows === "") return;
    await this.#send(`INSERT INTO ${table} FORMAT JSONEachRow`, rows, settings);
  }
}
