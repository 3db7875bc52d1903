/** Helpers shared by the server and sidecar tests: real incidents, an API with no server, a client. */

import { createLogger } from "../mod.ts";
import { Api } from "../http/api.ts";
import type { ApiContext } from "../http/route.ts";
import { IncidentStore } from "../store/sqlite/store.ts";
import { Sidecar, type SidecarOptions } from "../sidecar/sidecar.ts";

/** Writes `n` real incidents with a logger; returns their paths, oldest first. */
export async function makeIncidents(
  dir: string,
  n: number,
  app = "maker",
): Promise<string[]> {
  const log = createLogger({
    incidentDir: dir,
    trailingMs: 0,
    app,
    rateLimit: false,
  });
  for (let i = 0; i < n; i++) {
    log.info("step {i}", { i });
    log.weird("failure number {i}", { i });
  }
  await log.close();
  return [...log.incidents].sort((a, b) => a.trigger.num - b.trigger.num)
    .map((i) => i.path);
}

/** What {@linkcode makeIncident} logs as the trigger. */
export interface Bug {
  /** The app's name. */
  app?: string;
  /** The trigger's facility. */
  facility?: string;
  /** The trigger's template. */
  template?: string;
  /** Its fields. */
  fields?: Record<string, unknown>;
  /** An error to record with it (its stack counts in the fingerprint). */
  error?: Error;
  /** The app's release. */
  release?: string;
}

/** Writes one real incident triggered by `bug`; returns its path. */
export async function makeIncident(
  dir: string,
  bug: Bug = {},
): Promise<string> {
  const root = createLogger({
    incidentDir: dir,
    trailingMs: 0,
    app: bug.app ?? "maker",
    rateLimit: false,
    ...(bug.release === undefined ? {} : { release: bug.release }),
  });
  const log = bug.facility === undefined ? root : root.child(bug.facility);
  log.info("before the bug");
  log.weird(bug.template ?? "it broke", {
    ...bug.fields,
    ...(bug.error === undefined ? {} : { error: bug.error }),
  });
  await root.close();
  return root.incidents[0].path;
}

/** The file name of a path. */
export const baseName = (path: string): string =>
  path.slice(path.lastIndexOf("/") + 1);

/** The token of {@linkcode testApi}. */
export const TOKEN = "test-token-0123456789";

/**
 * An `Api` over a store in `dir` and a logger's recorder, with no server;
 * `fetch(path, init)` sends it a request with the bearer token.
 */
export async function testApi(
  dir: string,
  ctx: Partial<Omit<ApiContext, "store">> & { store?: IncidentStore } = {},
): Promise<
  AsyncDisposable & {
    api: Api;
    store: IncidentStore;
    log: ReturnType<typeof createLogger>;
    fetch(path: string, init?: RequestInit): Promise<Response>;
  }
> {
  const log = createLogger({ app: "api-test" });
  const owned = ctx.store === undefined;
  const store = ctx.store ?? await IncidentStore.open(dir);
  const api = new Api({
    store,
    recorder: log.recorder,
    token: TOKEN,
    maxBodyBytes: 1 << 20,
    metrics: () => "",
    health: () => ({ ok: true }),
    ...ctx,
  });
  return {
    api,
    store,
    log,
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has("authorization")) {
        headers.set("authorization", `Bearer ${TOKEN}`);
      }
      return api.handle(new Request(`http://api${path}`, { ...init, headers }));
    },
    async [Symbol.asyncDispose]() {
      api.closeStreams();
      await log.close();
      if (owned) await store.close();
    },
  };
}

/** A sidecar on a free loopback port. */
export async function startSidecar(
  dir: string,
  extra: Partial<SidecarOptions> = {},
): Promise<Sidecar> {
  return await Sidecar.start({
    dir,
    listen: { hostname: "127.0.0.1", port: 0 },
    ...extra,
  });
}

/** GET and POST to a running sidecar with its token. */
export function client(sidecar: Sidecar, token: string = sidecar.token): {
  get(path: string, headers?: HeadersInit): Promise<Response>;
  post(path: string, body: BodyInit): Promise<Response>;
} {
  const auth = { authorization: `Bearer ${token}` };
  return {
    get: (path, headers = {}) =>
      fetch(sidecar.url + path, { headers: { ...auth, ...headers } }),
    post: (path, body) =>
      fetch(sidecar.url + path, { method: "POST", headers: auth, body }),
  };
}
