/**
 * The API's bearer token: loaded from its file, or generated into it (mode
 * 0600), and compared with what a request gives in constant time.
 *
 * @module
 */

import { timingSafeEqual } from "node:crypto";
import { randomHex } from "../lib/_random.ts";

const enc = new TextEncoder();

/** Reads the token in `file`; when it is missing or empty, writes a new one there, readable by its owner only. */
export async function loadToken(file: string): Promise<string> {
  try {
    const token = (await Deno.readTextFile(file)).trim();
    if (token !== "") return token;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const token = randomHex(32);
  await Deno.writeTextFile(file, token + "\n", { mode: 0o600 });
  // The mode of writeTextFile is masked by the umask; chmod is not.
  await Deno.chmod(file, 0o600);
  return token;
}

/**
 * Whether `given` is `token`; the comparison takes the same time wherever
 * the first difference is.
 */
export function tokenMatches(given: string, token: string): boolean {
  const a = enc.encode(given);
  const b = enc.encode(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether an `Authorization` header carries `Bearer <token>`. */
export function bearerMatches(header: string | null, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  return m !== null && tokenMatches(m[1].trim(), token);
}
