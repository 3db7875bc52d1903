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
 * Whether an `Authorization` header carries `Bearer <token>`; the comparison
 * takes the same time wherever the first difference is.
 */
export function bearerMatches(header: string | null, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "");
  if (m === null) return false;
  const given = enc.encode(m[1].trim());
  const expected = enc.encode(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
