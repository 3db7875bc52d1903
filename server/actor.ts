/**
 * Who made a request, for a group's history: `token` for the bearer token,
 * or `session` and a short hash of the browser session (the id itself is a
 * secret and is never shown).
 *
 * @module
 */

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
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const [k, v] = part.trim().split("=", 2);
    if (k.startsWith("flightlog_session") && v) {
      const digest = new Uint8Array(
        await crypto.subtle.digest("SHA-256", new TextEncoder().encode(v)),
      );
      const hex = [...digest.slice(0, 4)]
        .map((b) => b.toString(16).padStart(2, "0")).join("");
      return `session ${hex}`;
    }
  }
  return "session";
}
