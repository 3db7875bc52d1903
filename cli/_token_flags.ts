/**
 * The flags and config fields of tokens of narrower scope (`read`, `push`)
 * beside a server's admin `--token-file`, shared by `flightlog sidecar` and
 * `flightlog gather`.
 *
 * @module
 */

import { ConfigError, readText } from "./_config_fields.ts";
import type { ScopedTokens } from "../http/scopes.ts";

/** The flags. */
export const TOKEN_FLAGS = {
  "read-token-file": { type: "string" },
  "push-token-file": { type: "string" },
} as const;

/** Their usage lines. */
export const TOKEN_USAGE =
  `  --read-token-file FILE    a token that may only read (GET, the viewer)
  --push-token-file FILE    a token that may only push (POST /v1/incidents)
`;

/**
 * The read and push tokens of the flags (or, without them, the config
 * fields `readTokenFile`, `pushTokenFile`); undefined when neither is
 * given. An empty file is refused, naming the flag or field.
 */
export async function scopedTokensOf(
  values: { "read-token-file"?: string; "push-token-file"?: string },
  cfg: { readTokenFile?: string; pushTokenFile?: string },
  field: (name: string) => string,
): Promise<ScopedTokens | undefined> {
  const read = async (
    flag: "read-token-file" | "push-token-file",
    key: "readTokenFile" | "pushTokenFile",
  ) => {
    const where = values[flag] === undefined ? field(key) : `--${flag}`;
    const file = values[flag] ?? cfg[key];
    if (file === undefined) return undefined;
    const token = (await readText(where, file)).trim();
    if (token === "") throw new ConfigError(`${where}: ${file} is empty`);
    return token;
  };
  const tokens: ScopedTokens = {};
  const r = await read("read-token-file", "readTokenFile");
  const p = await read("push-token-file", "pushTokenFile");
  if (r !== undefined) tokens.read = r;
  if (p !== undefined) tokens.push = p;
  return r === undefined && p === undefined ? undefined : tokens;
}
