/**
 * Random identifiers: hex strings (incarnations, tokens) and the lower-case
 * base32 suffix of incident names.
 *
 * @module
 */

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** `bytes` random bytes as lower-case hex (`2 * bytes` characters). */
export function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** `length` random characters of foolscap's lower-case base32 alphabet. */
export function randomBase32(length: number): string {
  let out = "";
  for (const b of crypto.getRandomValues(new Uint8Array(length))) {
    out += BASE32[b & 31];
  }
  return out;
}
