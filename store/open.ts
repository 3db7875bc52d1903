/**
 * Opens a {@linkcode Store} from a config: the backend is chosen here, once,
 * and nothing above asks which kind it holds.
 *
 * @module
 */

import type { Store } from "./store.ts";
import { IncidentStore } from "./sqlite/store.ts";
import type { StoreOptions } from "./sqlite/options.ts";
import {
  ClickHouseStore,
  type ClickHouseStoreOptions,
} from "./clickhouse/store.ts";
import { MemoryStore, type MemoryStoreOptions } from "./memory/store.ts";

/**
 * Which store to open, and how.
 *
 * @example
 * ```ts
 * import type { StoreConfig } from "@flightlog/flightlog/store";
 * const local: StoreConfig = { kind: "sqlite", dir: "/var/lib/flightlog" };
 * const fleet: StoreConfig = {
 *   kind: "clickhouse",
 *   clickhouse: { url: "http://127.0.0.1:8123" },
 *   spool: { dir: "/var/lib/flightlog/spool" },
 * };
 * ```
 */
export type StoreConfig =
  | ({ kind: "sqlite"; dir: string } & StoreOptions)
  | ({ kind: "clickhouse" } & ClickHouseStoreOptions)
  | ({ kind: "memory" } & MemoryStoreOptions);

/**
 * Opens the store `config` names: SQLite in a folder, ClickHouse for a fleet,
 * or memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { openStore } from "@flightlog/flightlog/store";
 * await using store = await openStore({ kind: "memory" });
 * assert.equal(await store.latestId(), 0);
 * ```
 */
export async function openStore(
  config: StoreConfig,
): Promise<Store & AsyncDisposable> {
  switch (config.kind) {
    case "sqlite": {
      const { kind: _, dir, ...options } = config;
      return await IncidentStore.open(dir, options);
    }
    case "clickhouse": {
      const { kind: _, ...options } = config;
      return await ClickHouseStore.open(options);
    }
    case "memory": {
      const { kind: _, ...options } = config;
      return new MemoryStore(options);
    }
  }
}
