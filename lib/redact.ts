/**
 * Redaction: secrets in an event's fields are replaced before the event is
 * buffered, so that no password or token reaches a file, a socket or a peer.
 * Keys are matched by name; strings are scanned for credentials.
 *
 * @module
 */

/**
 * What to redact. The defaults are on: pass `redact: false` to a logger to
 * turn redaction off.
 *
 * @example
 * ```ts
 * import type { RedactOptions } from "@flightlog/flightlog";
 * const redact: RedactOptions = { keys: ["ssn"], replace: "***" };
 * ```
 */
export interface RedactOptions {
  /**
   * Key names whose values are replaced, matched case-insensitively and
   * ignoring `-` and `_`, anywhere in the key (`db_password` matches
   * `password`). They extend the defaults, unless `defaults` is false.
   * @default {DEFAULT_REDACT_KEYS}
   */
  keys?: readonly string[];
  /**
   * Patterns whose matches inside any string value are replaced (a
   * pattern's first capture group, when it has one, is kept). They extend
   * the defaults, unless `defaults` is false.
   * @default {DEFAULT_REDACT_PATTERNS}
   */
  patterns?: readonly RegExp[];
  /**
   * The replacement text.
   * @default {"[REDACTED]"}
   */
  replace?: string;
  /**
   * Keep the default keys and patterns (false: only yours).
   * @default {true}
   */
  defaults?: boolean;
}

/**
 * The key names redacted by default (matched case-insensitively, ignoring
 * `-` and `_`, anywhere in the key).
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  "password",
  "passwd",
  "secret",
  "token",
  "authorization",
  "cookie",
  "set-cookie",
  "api_key",
  "apiKey",
  "private_key",
  "access_token",
  "refresh_token",
  "client_secret",
];

/**
 * The credential patterns redacted inside strings by default: `Bearer` and
 * `Basic` authorization values, and the password of `user:password@` in
 * URLs.
 */
export const DEFAULT_REDACT_PATTERNS: readonly RegExp[] = [
  /\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi,
  /\b(Basic\s+)[A-Za-z0-9+/]+=*/gi,
  /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi,
];

/** The compiled rules of one {@linkcode RedactOptions}. */
export interface RedactionRules {
  /** Whether a field named `key` holds a secret (cached per key). */
  isSecretKey(key: string): boolean;
  /** `text` with credentials replaced (itself when it has none). */
  redactString(text: string): string;
  /** The replacement text. */
  readonly replace: string;
}

const normalize = (key: string) => key.toLowerCase().replace(/[-_]/g, "");

/**
 * Compiles `options` into rules. Checking a key seen before is a map
 * lookup; a string is only run through the patterns when it has one of
 * their tells (a space or an `@`), unless custom patterns are given.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { redactionRules } from "./redact.ts";
 * const rules = redactionRules();
 * assert(rules.isSecretKey("DB_Password"));
 * assert.equal(
 *   rules.redactString("curl -H 'Authorization: Bearer abc.def'"),
 *   "curl -H 'Authorization: Bearer [REDACTED]'",
 * );
 * assert.equal(
 *   rules.redactString("postgres://app:hunter2@db1/shop"),
 *   "postgres://app:[REDACTED]@db1/shop",
 * );
 * ```
 */
export function redactionRules(options: RedactOptions = {}): RedactionRules {
  const useDefaults = options.defaults !== false;
  const keys = [
    ...(useDefaults ? DEFAULT_REDACT_KEYS : []),
    ...(options.keys ?? []),
  ].map(normalize).filter((k) => k !== "");
  const patterns = [
    ...(useDefaults ? DEFAULT_REDACT_PATTERNS : []),
    ...(options.patterns ?? []),
  ].map((p) =>
    new RegExp(p.source, p.flags.includes("g") ? p.flags : p.flags + "g")
  );
  const replace = options.replace ?? "[REDACTED]";
  const alwaysScan = (options.patterns ?? []).length > 0;
  // A null-prototype dictionary: the fastest string-keyed cache in V8.
  const secret: Record<string, boolean> = Object.create(null);
  let cached = 0;
  return {
    replace,
    isSecretKey(key) {
      let s = secret[key];
      if (s === undefined) {
        const n = normalize(key);
        s = keys.some((k) => n.includes(k));
        // Keys are few and repeat; bound the cache against odd inputs.
        if (cached++ < 10_000) secret[key] = s;
      }
      return s;
    },
    redactString(text) {
      // Every default pattern needs a space (`Bearer x`) or an `@`.
      if (!alwaysScan && text.indexOf(" ") < 0 && text.indexOf("@") < 0) {
        return text;
      }
      let out = text;
      for (const p of patterns) {
        p.lastIndex = 0;
        out = out.replace(
          p,
          (_m, kept) => typeof kept === "string" ? kept + replace : replace,
        );
      }
      return out;
    },
  };
}
