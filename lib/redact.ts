/**
 * Redaction: secrets in an event's fields are replaced before the event is
 * buffered, so that no password or token reaches a file, a socket or a peer.
 * Keys are matched by name; strings are scanned for credentials.
 *
 * @module
 */

import { scanTells, type Scrubber, SCRUBBERS } from "./_scrubbers.ts";

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
  "credentials",
  "pwd",
  "sessionid",
  "session_id",
  "card_number",
  "cardnumber",
  "cvv",
  "cvc",
];

/**
 * The credential patterns redacted inside strings by default (a pattern's
 * first capture group is kept):
 * - `Bearer` and `Basic` authorization values;
 * - the password of `user:password@` in URLs;
 * - payment card numbers: 13 to 19 digits, spaces or dashes allowed between
 *   them, starting with 2 to 6, that pass Luhn's check;
 * - secrets in query strings and forms: a parameter whose name holds
 *   `token`, `secret`, `passw`, `pwd`, `key`, `signature`, `credential`,
 *   `session` or `authorization` (`?token=`, `&password=`, `api_key=`...);
 * - PEM private keys (`-----BEGIN ... PRIVATE KEY-----` to its END line);
 * - JSON Web Tokens (`eyJ….eyJ….…`);
 * - AWS access key ids (`AKIA…`, `ASIA…`), Google API keys (`AIza…`);
 * - GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`);
 * - Slack tokens (`xoxb-`...) and webhook URLs;
 * - Stripe secret and restricted keys (`sk_live_`, `rk_test_`...).
 */
export const DEFAULT_REDACT_PATTERNS: readonly RegExp[] = SCRUBBERS.map((s) =>
  s.pattern
);

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
 * lookup; a string is only run through a default pattern when it has that
 * pattern's tell (most strings have none: one pass over their characters
 * says so). Custom patterns run on every string.
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
  const compile = (p: RegExp) =>
    new RegExp(p.source, p.flags.includes("g") ? p.flags : p.flags + "g");
  const scrubbers: Scrubber[] = useDefaults
    ? SCRUBBERS.map((s) => ({
      // One shape for all (every field set): the loop's reads stay fast.
      pattern: compile(s.pattern),
      needs: s.needs,
      tell: s.tell,
      confirm: s.confirm,
      run: s.run,
    }))
    : [];
  const custom = (options.patterns ?? []).map(compile);
  const replace = options.replace ?? "[REDACTED]";
  const apply = (
    text: string,
    p: RegExp,
    confirm: ((m: string) => boolean) | undefined,
  ) => {
    p.lastIndex = 0;
    return text.replace(p, (m, kept) => {
      if (confirm !== undefined && !confirm(m)) return m;
      return typeof kept === "string" ? kept + replace : replace;
    });
  };
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
      let out = text;
      // Most strings have none of the tells: one pass over their chars.
      const seen = scrubbers.length === 0 ? -1 : scanTells(text);
      if (seen >= 0) {
        for (let i = 0; i < scrubbers.length; i++) {
          const s = scrubbers[i];
          if ((seen & s.needs) !== s.needs) continue;
          if (s.tell !== undefined && !s.tell(out, seen)) continue;
          out = s.run !== undefined
            ? s.run(out, replace)
            : apply(out, s.pattern, s.confirm);
        }
      }
      for (let i = 0; i < custom.length; i++) {
        out = apply(out, custom[i], undefined);
      }
      return out;
    },
  };
}
