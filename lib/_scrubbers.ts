/**
 * The default credential patterns, each with a cheap "tell" (a test that
 * any string it could match passes) so that a string with none of the
 * tells is not run through any pattern. Payment card numbers are matched
 * by shape and then checked with Luhn's sum.
 *
 * @module
 */

/** A default pattern and what a string needs before it is worth running. */
export interface Scrubber {
  /** What it replaces (its first capture group, if any, is kept). */
  pattern: RegExp;
  /** Whether `text` can hold a match (`digits`: how many digits it has). */
  tell: (text: string, digits: number) => boolean;
  /** Whether a match really is a secret (Luhn's check for cards). */
  confirm?: (match: string) => boolean;
}

const has = (needle: string) => (text: string) => text.indexOf(needle) >= 0;

/** Key words of query and form parameters that hold secrets. */
const PARAM_WORDS =
  "token|secret|passw(?:or)?d|pwd|api[_-]?key|apikey|signature|credential|session[_-]?id|authorization|private[_-]?key";

/**
 * The default scrubbers, in the order they run. Their patterns are
 * exported as `DEFAULT_REDACT_PATTERNS`; keep the documentation list (the
 * README's "Redaction" section) in step.
 */
export const SCRUBBERS: readonly Scrubber[] = [
  // `Authorization: Bearer x`, `Basic x`.
  {
    pattern: /\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi,
    tell: (t) => /earer\s/i.test(t),
  },
  { pattern: /\b(Basic\s+)[A-Za-z0-9+/]+=*/gi, tell: (t) => /asic\s/i.test(t) },
  // The password of `scheme://user:password@host`.
  {
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi,
    tell: (t) => t.indexOf("@") >= 0 && t.indexOf("://") >= 0,
  },
  // Payment card numbers: 13 to 19 digits, spaces or dashes between them,
  // starting as issuers' numbers do (2 to 6), passing Luhn's check.
  {
    pattern: /(?<![\d-])[2-6](?:[ -]?\d){12,18}(?![\d])/g,
    tell: (_t, digits) => digits >= 13,
    confirm: luhn,
  },
  // Secrets in query strings and forms: `?token=…`, `&password=…`.
  {
    pattern: new RegExp(
      `((?:^|[?&;\\s,"'])[\\w.-]*?(?:${PARAM_WORDS})[\\w.-]*=)[^&#\\s"',;]+`,
      "gi",
    ),
    tell: has("="),
  },
  // PEM private keys, to their END line (or the end of the text).
  {
    pattern:
      /(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    tell: has("-----BEGIN"),
  },
  // JSON Web Tokens (header and payload are base64url JSON: `eyJ`).
  {
    pattern: /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
    tell: has("eyJ"),
  },
  // AWS access key ids (long-term AKIA, temporary ASIA).
  {
    pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
    tell: (t) => t.indexOf("AKIA") >= 0 || t.indexOf("ASIA") >= 0,
  },
  // Google API keys.
  { pattern: /\bAIza[0-9A-Za-z_-]{35}/g, tell: has("AIza") },
  // GitHub tokens: classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained.
  {
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/g,
    tell: has("_"),
  },
  // Slack tokens (xoxb-, xoxp-, xoxa-, xoxo-, xoxs-, xoxr-) and webhooks.
  { pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, tell: has("xox") },
  {
    pattern: /(hooks\.slack\.com\/services\/)[A-Za-z0-9/]+/g,
    tell: has("hooks.slack.com"),
  },
  // Stripe secret and restricted keys, live or test.
  {
    pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}/g,
    tell: (t) => t.indexOf("k_live_") >= 0 || t.indexOf("k_test_") >= 0,
  },
];

/**
 * How many ASCII digits `text` has, or -1 when it has none of the
 * characters any default pattern needs (a space, digit, `@`, `=`, `_`,
 * `-`) and none of the tokens without them: the fast way out for the
 * short plain strings most fields hold.
 */
export function scanTells(text: string): number {
  let digits = 0;
  let other = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c <= 32 || c === 64 || c === 61 || c === 95 || c === 45) {
      other = true;
      if (digits >= 13) return digits;
    }
  }
  if (digits > 0 || other) return digits;
  // Tokens that may be letters only: a JWT's `eyJ`, AWS and Google keys.
  if (
    text.length >= 16 &&
    (text.indexOf("eyJ") >= 0 || text.indexOf("AKIA") >= 0 ||
      text.indexOf("ASIA") >= 0 || text.indexOf("AIza") >= 0)
  ) {
    return 0;
  }
  return -1;
}

/** Luhn's check over the digits of `text` (other characters skipped). */
export function luhn(text: string): boolean {
  let sum = 0;
  let double = false;
  let n = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    let d = c - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
    n++;
  }
  return n >= 13 && n <= 19 && sum % 10 === 0;
}
