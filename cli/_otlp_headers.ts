/**
 * The request headers of an OTLP export, from `--otlp-header K=V` flags and
 * a headers file (for tokens kept out of the command line).
 *
 * @module
 */

// RFC 9110's token: what a header name may hold.
const NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * One `K=V` (or `K: V`) as a name and a value; a `SyntaxError` naming
 * `where` when it is not one.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseHeader } from "./_otlp_headers.ts";
 * assert.deepEqual(parseHeader("--otlp-header", "x-api-key=abc=1"), ["x-api-key", "abc=1"]);
 * ```
 */
export function parseHeader(where: string, text: string): [string, string] {
  const m = /^\s*([^=:\s]+)\s*[=:]\s*(.*?)\s*$/.exec(text);
  if (m === null || !NAME.test(m[1]) || /[\r\n\0]/.test(m[2])) {
    throw new SyntaxError(
      `${where}: expected NAME=VALUE, got ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  return [m[1].toLowerCase(), m[2]];
}

/**
 * The headers of a file: one `NAME=VALUE` (or `NAME: VALUE`) a line; blank
 * lines and lines starting with `#` are skipped. Errors name the file and
 * line.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseHeadersFile } from "./_otlp_headers.ts";
 * assert.deepEqual(
 *   parseHeadersFile("h.txt", "# Honeycomb\nx-honeycomb-team: abc\n"),
 *   { "x-honeycomb-team": "abc" },
 * );
 * ```
 */
export function parseHeadersFile(
  path: string,
  text: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const [k, v] = parseHeader(`${path}:${i + 1}`, line);
    out[k] = v;
  });
  return out;
}
