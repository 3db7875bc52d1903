/**
 * Browser sessions for the web viewer: an id in an `HttpOnly`,
 * `SameSite=Strict` cookie stands for the bearer token, and a request that
 * changes state with it must come from the same origin.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { SessionKeeper } from "../store/sessions.ts";
import { randomHex } from "../lib/_random.ts";
import { HttpError } from "./http_error.ts";
import {
  bearerToken,
  type Scope,
  type ScopedTokens,
  scopeOfToken,
} from "./scopes.ts";

/** The start of the cookie's name; the server's port follows it. */
export const SESSION_COOKIE = "flightlog_session";

/**
 * The session cookie's name on the server at `url`: its port is in it,
 * because browsers do not keep cookies apart by port, and two viewers on
 * one host would otherwise log each other out.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { sessionCookie } from "./session.ts";
 * assert.equal(sessionCookie(new URL("http://127.0.0.1:7477/")), "flightlog_session_7477");
 * ```
 */
export function sessionCookie(url: URL): string {
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${SESSION_COOKIE}_${port}`;
}

/**
 * Options of {@linkcode Sessions}.
 *
 * @example
 * ```ts
 * import type { SessionOptions } from "./session.ts";
 * const o: SessionOptions = { ttlMs: 3_600_000, max: 100 };
 * ```
 */
export interface SessionOptions {
  /**
   * How long a session lasts after its login, in ms.
   * @default {43_200_000} (12 hours)
   */
  ttlMs?: number;
  /**
   * Most sessions open at once; a new one beyond it ends the oldest.
   * @default {1000}
   */
  max?: number;
  /** Where sessions are kept across restarts (a store's index); none: memory only. */
  keep?: SessionKeeper;
}

/** The key a session id is kept under: a hash, so the store holds no secret. */
function keyOf(id: string): string {
  return createHash("sha256").update(id).digest("hex");
}

const DEFAULT_TTL_MS = 43_200_000;
const DEFAULT_MAX = 1000;

/**
 * The open sessions of one server, in memory, and in `keep` when given (so
 * that a restart logs nobody out).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Sessions } from "./session.ts";
 * const sessions = new Sessions();
 * const id = sessions.create();
 * const url = new URL("http://127.0.0.1:7477/");
 * const req = new Request(url, { headers: { cookie: sessions.cookie(id, url) } });
 * assert.ok(sessions.has(req));
 * sessions.end(req);
 * assert.ok(!sessions.has(req));
 * ```
 */
export class Sessions {
  /** Each open session's end and scope. */
  readonly #expiry = new Map<string, { until: number; scope: Scope }>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #keep: SessionKeeper | undefined;

  /** Sessions that last `ttlMs`, at most `max` at once. */
  constructor(options: SessionOptions = {}) {
    const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    const max = options.max ?? DEFAULT_MAX;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new RangeError(`ttlMs: expected a positive number, got ${ttlMs}`);
    }
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`max: expected a positive integer, got ${max}`);
    }
    this.#ttlMs = ttlMs;
    this.#max = max;
    this.#keep = options.keep;
    for (const [key, until, scope] of this.#keep?.load(Date.now()) ?? []) {
      // A row of an unknown scope gives the least: read.
      const known = scope === "admin" || scope === "read";
      this.#expiry.set(key, { until, scope: known ? scope : "read" });
    }
  }

  /**
   * Opens a session with the scope of the token it logged in with; returns
   * its id (256 random bits).
   */
  create(scope: Scope = "admin"): string {
    if (this.#expiry.size >= this.#max) {
      // Maps keep insertion order: the first key is the oldest session.
      const oldest = this.#expiry.keys().next().value!;
      this.#expiry.delete(oldest);
      this.#keep?.drop(oldest);
    }
    const id = randomHex(32);
    const until = Date.now() + this.#ttlMs;
    this.#expiry.set(keyOf(id), { until, scope });
    this.#keep?.put(keyOf(id), until, scope);
    return id;
  }

  /** Whether `req` carries the cookie of an open session. */
  has(req: Request): boolean {
    return this.scope(req) !== undefined;
  }

  /** The scope of the open session whose cookie `req` carries, if any. */
  scope(req: Request): Scope | undefined {
    const id = sessionId(req);
    if (id === undefined) return undefined;
    const key = keyOf(id);
    const session = this.#expiry.get(key);
    if (session === undefined) return undefined;
    if (session.until > Date.now()) return session.scope;
    this.#expiry.delete(key);
    this.#keep?.drop(key);
    return undefined;
  }

  /** Ends the session `req` carries, if any. */
  end(req: Request): void {
    const id = sessionId(req);
    if (id === undefined) return;
    this.#expiry.delete(keyOf(id));
    this.#keep?.drop(keyOf(id));
  }

  /** The `Set-Cookie` value for session `id` on the server at `url` (`Secure` under TLS). */
  cookie(id: string, url: URL): string {
    return `${
      sessionCookie(url)
    }=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${
      Math.floor(this.#ttlMs / 1000)
    }${url.protocol === "https:" ? "; Secure" : ""}`;
  }

  /** The `Set-Cookie` value that removes the cookie of the server at `url`. */
  clearCookie(url: URL): string {
    return `${
      sessionCookie(url)
    }=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${
      url.protocol === "https:" ? "; Secure" : ""
    }`;
  }
}

/** The session id in the request's cookies, if it has the right shape. */
export function sessionId(req: Request): string | undefined {
  const name = sessionCookie(new URL(req.url));
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const [k, v] = part.trim().split("=", 2);
    if (k === name && /^[0-9a-f]{64}$/.test(v ?? "")) return v;
  }
  return undefined;
}

/**
 * Whether a browser sent `req` from a page of this server: its `Origin`
 * (which browsers send with every request that changes state) is this
 * server's, or, without one (or with `null`, which a strict referrer policy
 * gives), `Sec-Fetch-Site` says `same-origin`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { sameOrigin } from "./session.ts";
 * const at = (origin: string) =>
 *   new Request("http://127.0.0.1:7477/v1/x", { method: "POST", headers: { origin } });
 * assert.ok(sameOrigin(at("http://127.0.0.1:7477")));
 * assert.ok(!sameOrigin(at("http://evil.example")));
 * ```
 */
export function sameOrigin(req: Request): boolean {
  const url = new URL(req.url);
  const host = req.headers.get("host") ?? url.host;
  const origin = req.headers.get("origin");
  if (origin !== null && origin !== "null") {
    return origin === `${url.protocol}//${host}`;
  }
  return req.headers.get("sec-fetch-site") === "same-origin";
}

/** Methods that only read: a session cookie suffices for them. */
const SAFE = new Set(["GET", "HEAD"]);

/**
 * Lets `req` through with a bearer token of the server, or with a session
 * cookie (from the same origin when it changes state), and returns the
 * scope it has; throws a 401 or 403 `HttpError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { authorize, Sessions } from "./session.ts";
 * const req = new Request("http://x/v1/incidents", { headers: { authorization: "Bearer t" } });
 * authorize(req, "t", new Sessions());
 * assert.throws(() => authorize(new Request("http://x/"), "t", new Sessions()));
 * ```
 */
export function authorize(
  req: Request,
  token: string,
  sessions: Sessions,
  tokens: ScopedTokens = {},
): Scope {
  const bearer = bearerToken(req.headers.get("authorization"));
  const byToken = bearer === undefined
    ? undefined
    : scopeOfToken(bearer, token, tokens);
  if (byToken !== undefined) return byToken;
  const bySession = sessions.scope(req);
  if (bySession === undefined) {
    throw new HttpError(401, "missing or wrong bearer token", {
      headers: { "www-authenticate": 'Bearer realm="flightlog"' },
    });
  }
  if (!SAFE.has(req.method) && !sameOrigin(req)) {
    throw new HttpError(
      403,
      "a request that changes state with a session must come from the viewer's own pages",
    );
  }
  return bySession;
}
