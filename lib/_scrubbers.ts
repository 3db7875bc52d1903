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
  /**
   * Whether `text` can hold a match, from what {@linkcode scanTells} saw
   * in it (`seen`: its `SEEN` bits and digit count).
   */
  tell?: (text: string, seen: number) => boolean;
  /** `SEEN` bits a string must have, checked before `tell` is called. */
  needs: number;
  /** Whether a match really is a secret (Luhn's check for cards). */
  confirm?: (match: string) => boolean;
  /** A faster equivalent of the pattern, used instead of it. */
  run?: (text: string, replace: string) => string;
}

const has = (text: string, needle: string) => text.indexOf(needle) >= 0;

/** Characters {@linkcode scanTells} notes; the digit count is above them. */
export const SEEN = {
  space: 1,
  at: 2,
  equals: 4,
  underscore: 8,
  dash: 16,
  dot: 32,
  colon: 64,
} as const;

/** Key words of query and form parameters that hold secrets. */
const PARAM_WORDS =
  "token|secret|passw|pwd|key|signature|credential|session|authorization";
// The same words, as the scanner tests a name (lower-cased) for them.
const PARAM_NEEDLES = [
  "token",
  "secret",
  "passw",
  "pwd",
  "key",
  "signature",
  "credential",
  "session",
  "authorization",
];
/** Whether `text[start, end)` holds a needle, ignoring case (no copy). */
function secretName(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const first = text.charCodeAt(i) | 32;
    for (let n = 0; n < PARAM_NEEDLES.length; n++) {
      const needle = PARAM_NEEDLES[n];
      if (needle.charCodeAt(0) !== first || i + needle.length > end) continue;
      let j = 1;
      while (
        j < needle.length &&
        (text.charCodeAt(i + j) | 32) === needle.charCodeAt(j)
      ) j++;
      if (j === needle.length) return true;
    }
  }
  return false;
}

// Characters of a parameter's name; before it; ending its value.
const nameChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ||
  c === 95 || c === 46 || c === 45;
const beforeName = (c: number) =>
  c === 63 || c === 38 || c === 59 || c <= 32 || c === 44 || c === 34 ||
  c === 39;
const valueEnd = (c: number) =>
  c === 38 || c === 35 || c <= 32 || c === 34 || c === 39 || c === 44 ||
  c === 59;

/**
 * The query-parameter pattern without a regular expression: from each `=`,
 * back over the name; only a secret's name makes the value replaced.
 */
function scrubParams(text: string, replace: string): string {
  let out = "";
  let last = 0;
  let eq = text.indexOf("=");
  while (eq >= 0) {
    let start = eq;
    while (start > 0 && nameChar(text.charCodeAt(start - 1))) start--;
    let end = eq + 1;
    if (
      start < eq && (start === 0 || beforeName(text.charCodeAt(start - 1))) &&
      secretName(text, start, eq)
    ) {
      while (end < text.length && !valueEnd(text.charCodeAt(end))) end++;
      if (end > eq + 1) {
        out += text.slice(last, eq + 1) + replace;
        last = end;
      }
    }
    eq = text.indexOf("=", end);
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * The default scrubbers, in the order they run. Their patterns are
 * exported as `DEFAULT_REDACT_PATTERNS`; keep the documentation list (the
 * README's "Redaction" section) in step.
 */
export const SCRUBBERS: readonly Scrubber[] = [
  // `Authorization: Bearer x`, `Basic x`.
  {
    pattern: /\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi,
    needs: SEEN.space,
    tell: (t) => /earer\s/i.test(t),
  },
  {
    pattern: /\b(Basic\s+)[A-Za-z0-9+/]+=*/gi,
    needs: SEEN.space,
    tell: (t) => /asic\s/i.test(t),
  },
  // The password of `scheme://user:password@host`.
  {
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi,
    needs: SEEN.at | SEEN.colon,
  },
  // Payment card numbers: 13 to 19 digits, spaces or dashes between them,
  // starting as issuers' numbers do (2 to 6), passing Luhn's check.
  {
    pattern: /(?<![\d-])[2-6](?:[ -]?\d){12,18}(?![\d])/g,
    needs: 0,
    tell: (_t, seen) => seen >>> 8 >= 13,
    confirm: luhn,
  },
  // Secrets in query strings and forms: `?token=…`, `&password=…`.
  {
    pattern: new RegExp(
      `((?:^|[?&;\\s,"'])[\\w.-]*?(?:${PARAM_WORDS})[\\w.-]*=)[^&#\\s"',;]+`,
      "gi",
    ),
    needs: SEEN.equals,
    run: scrubParams,
  },
  // PEM private keys, to their END line (or the end of the text).
  {
    pattern:
      /(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    needs: SEEN.dash | SEEN.space,
    tell: (t) => has(t, "-----BEGIN"),
  },
  // JSON Web Tokens (header and payload are base64url JSON: `eyJ`).
  {
    pattern: /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
    needs: SEEN.dot,
    tell: (t) => has(t, "eyJ"),
  },
  // AWS access key ids (long-term AKIA, temporary ASIA).
  {
    pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
    needs: 0,
    tell: (t) => t.length >= 20 && (has(t, "AKIA") || has(t, "ASIA")),
  },
  // Google API keys.
  {
    pattern: /\bAIza[0-9A-Za-z_-]{35}/g,
    needs: 0,
    tell: (t) => t.length >= 39 && has(t, "AIza"),
  },
  // GitHub tokens: classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained.
  {
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})/g,
    needs: SEEN.underscore,
    tell: (t) => has(t, "gh") || has(t, "github_pat_"),
  },
  // Slack tokens (xoxb-, xoxp-, xoxa-, xoxo-, xoxs-, xoxr-) and webhooks.
  {
    pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
    needs: SEEN.dash,
    tell: (t) => has(t, "xox"),
  },
  {
    pattern: /(hooks\.slack\.com\/services\/)[A-Za-z0-9/]+/g,
    needs: SEEN.dot,
    tell: (t) => has(t, "hooks.slack.com"),
  },
  // Stripe secret and restricted keys, live or test.
  {
    pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}/g,
    needs: SEEN.underscore,
    tell: (t) => has(t, "k_live_") || has(t, "k_test_"),
  },
];

/**
 * What the scrubbers' tells need to know of `text`, in one pass over its
 * characters: which of the `SEEN` characters it has, and how many digits
 * (shifted left by 8). -1 when it has none of them, too few digits for a
 * card, and none of the tokens without those characters (most short
 * values): no scrubber needs to run.
 */
export function scanTells(text: string): number {
  let digits = 0;
  let seen = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c <= 32) seen |= SEEN.space;
    else if (c === 64) seen |= SEEN.at;
    else if (c === 61) seen |= SEEN.equals;
    else if (c === 95) seen |= SEEN.underscore;
    else if (c === 45) seen |= SEEN.dash;
    else if (c === 46) seen |= SEEN.dot;
    else if (c === 58) seen |= SEEN.colon;
  }
  if (seen !== 0 || digits >= 13) {
    return seen | (Math.min(digits, 255) << 8);
  }
  // Tokens that may be letters and digits only: AWS and Google keys.
  if (
    text.length >= 20 &&
    (has(text, "AKIA") || has(text, "ASIA") || has(text, "AIza"))
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
