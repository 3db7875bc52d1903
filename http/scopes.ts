/**
 * Token scopes: `push` may only `POST /v1/incidents` (what a pushing
 * sidecar needs), `read` may GET (the API and the viewer), `admin` may do
 * everything (change state: resolve or ignore groups). The server's main
 * token is `admin`; a `read` and a `push` token may be given besides. A
 * request whose token lacks the scope gets a 403.
 *
 * @module
 */

import { tokenMatches } from "./token.ts";

/** What a token may do. */
export type Scope = "push" | "read" | "admin";

/**
 * The tokens of a server beside its `admin` one.
 *
 * @example
 * ```ts
 * import type { ScopedTokens } from "@flightlog/flightlog/sidecar";
 * const t: ScopedTokens = { read: "r-…", push: "p-…" };
 * ```
 */
export interface ScopedTokens {
  /** A token that may read (GET, the viewer) and nothing else. */
  read?: string;
  /** A token that may push incidents (`POST /v1/incidents`) and nothing else. */
  push?: string;
}

/**
 * The scope of `given` (a bearer token), if it is one of the server's:
 * every token is compared, in constant time each.
 */
export function scopeOfToken(
  given: string,
  admin: string,
  tokens: ScopedTokens = {},
): Scope | undefined {
  // All compared, so that the time taken tells nothing of which matched.
  const isAdmin = tokenMatches(given, admin);
  const isRead = tokens.read !== undefined && tokenMatches(given, tokens.read);
  const isPush = tokens.push !== undefined && tokenMatches(given, tokens.push);
  return isAdmin ? "admin" : isRead ? "read" : isPush ? "push" : undefined;
}

/** The token of an `Authorization: Bearer <token>` header, if any. */
export function bearerToken(header: string | null): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  return m === null ? undefined : m[1].trim();
}

/** The scope a request needs: pushing, reading, or changing state. */
export function neededScope(method: string, path: string): Scope {
  if (method === "POST" && path === "/v1/incidents") return "push";
  if (method === "GET" || method === "HEAD") return "read";
  return "admin";
}

/** Whether a token of scope `have` may do what needs `need`. */
export function grants(have: Scope | undefined, need: Scope): boolean {
  return have === "admin" || have === need;
}
