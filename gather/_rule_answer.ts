/**
 * What a rule may answer, checked on both sides of the rule worker: in the
 * worker (to tell the rule's author early) and again in the gatherer, which
 * trusts nothing that comes out of the worker (a rule can post messages of
 * its own). Each field has a length cap.
 *
 * @module
 */

/** A checked answer of a rule. */
export interface Answer {
  /** The category. */
  category: string;
  /** Overrides the group fingerprint. */
  fingerprint?: string;
  /** Overrides the group title. */
  title?: string;
}

/** Longest category a rule may give, in UTF-16 code units. */
export const MAX_CATEGORY = 128;
/** Longest fingerprint a rule may give, in UTF-16 code units. */
export const MAX_FINGERPRINT = 256;
/** Longest group title a rule may give, in UTF-16 code units. */
export const MAX_TITLE = 1024;

const CAPS = {
  category: MAX_CATEGORY,
  fingerprint: MAX_FINGERPRINT,
  title: MAX_TITLE,
} as const;

/** A short, safe picture of a bad value for a report. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "string"
      ? JSON.stringify(value.slice(0, 80))
      : String(JSON.stringify(value)?.slice(0, 80));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length >= 80 ? `${text}…` : text;
}

/** Throws unless `value` is a non-empty string of at most its key's cap. */
function checkText(key: keyof typeof CAPS, value: unknown): string {
  if (typeof value !== "string" || value === "") {
    throw new TypeError(
      `classify() returned a ${key} ${shown(value)}, not a non-empty string`,
    );
  }
  if (value.length > CAPS[key]) {
    throw new RangeError(
      `classify() returned a ${key} of ${value.length} characters; at most ${
        CAPS[key]
      } are taken`,
    );
  }
  return value;
}

/**
 * A rule's return value as an answer: a category, `{ category,
 * fingerprint?, title? }` or `undefined`. Throws saying what is wrong.
 */
export function checkAnswer(value: unknown): Answer | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") {
    return { category: checkText("category", value) };
  }
  if (
    typeof value !== "object" || value === null || Array.isArray(value) ||
    Object.getPrototypeOf(value) !== Object.prototype
  ) {
    throw new TypeError(
      `classify() returned ${shown(value)}, not a category, ` +
        "{ category, fingerprint?, title? } or undefined",
    );
  }
  const { category, fingerprint, title, ...rest } = value as Record<
    string,
    unknown
  >;
  const extra = Object.keys(rest);
  if (extra.length > 0) {
    throw new TypeError(
      `it returned an unknown key ${
        shown(extra[0])
      }; known: category, fingerprint, title`,
    );
  }
  const answer: Answer = { category: checkText("category", category) };
  if (fingerprint !== undefined) {
    answer.fingerprint = checkText("fingerprint", fingerprint);
  }
  if (title !== undefined) answer.title = checkText("title", title);
  return answer;
}
