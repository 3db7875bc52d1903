/**
 * Who made a request, for a group's history: `token` for the bearer token,
 * or `session` and a short hash of the browser session (the id itself is a
 * secret and is never shown).
 *
 * @module
 */

import { sessionId } from "./session.ts";

/**
 * The actor of an authorised request.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { actor } from "./actor.ts";
 * const req = new Request("http://x/", { headers: { authorization: "Bearer t" } });
 * assert.equal(await actor(req), "token");
 * ```
 */
export async function actor(req: Request): Promise<string> {
  if (req.headers.has("authorization")) return "token";
  const id = sessionId(req);
  if (id === undefined) return "session";
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id)),
  );
  const hex = [...digest.slice(0, 4)]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  return `session ${hex}`;
}
