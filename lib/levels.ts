/**
 * Severity levels, as foolscap defines them: plain integers, higher is worse.
 * Any integer is a valid level; the names are labels for the usual ones.
 *
 * @module
 */

/**
 * The named levels and their integers.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Level } from "@flightlog/flightlog";
 * assert(Level.WEIRD === 30);
 * ```
 */
export const Level = {
  NOISY: 10,
  OPERATIONAL: 20,
  UNUSUAL: 23,
  INFREQUENT: 25,
  CURIOUS: 28,
  WEIRD: 30,
  SCARY: 35,
  BAD: 40,
} as const;

/**
 * The name of one of the named levels.
 *
 * @example
 * ```ts
 * import type { LevelName } from "@flightlog/flightlog";
 * const name: LevelName = "SCARY";
 * ```
 */
export type LevelName = keyof typeof Level;

const NAMES = new Map<number, LevelName>(
  Object.entries(Level).map(([name, n]) => [n, name as LevelName]),
);

/**
 * The label of a level: its name when it has one, else `LEVEL<n>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { levelName } from "@flightlog/flightlog";
 * assert(levelName(35) === "SCARY");
 * assert(levelName(31) === "LEVEL31");
 * ```
 */
export function levelName(level: number): string {
  return NAMES.get(level) ?? `LEVEL${level}`;
}

/**
 * Parses a level given as a name (any case, foolscap names or the aliases
 * `debug`, `info`, `warn`, `error`, `fatal`) or as an integer string.
 * Throws a `RangeError` naming the input when it is neither.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseLevel } from "@flightlog/flightlog";
 * assert(parseLevel("weird") === 30);
 * assert(parseLevel("error") === 35);
 * assert(parseLevel("31") === 31);
 * ```
 */
export function parseLevel(text: string | number): number {
  if (typeof text === "number" && Number.isInteger(text)) return text;
  const s = String(text).trim();
  if (/^-?\d+$/.test(s)) return Number(s);
  const upper = s.toUpperCase();
  if (upper in Level) return Level[upper as LevelName];
  const alias = ALIASES[s.toLowerCase()];
  if (alias !== undefined) return alias;
  throw new RangeError(
    `unknown level ${JSON.stringify(text)}: use an integer, a foolscap name (${
      Object.keys(Level).join(", ")
    }) or one of ${Object.keys(ALIASES).join(", ")}`,
  );
}

/**
 * The conventional JS method names and the foolscap levels they map to.
 * `warn` is UNUSUAL, so warnings are kept in their own buffer but do not
 * trigger an incident under the default qualifier (WEIRD and above).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ALIASES, Level } from "./levels.ts";
 * assert(ALIASES.error === Level.SCARY);
 * ```
 */
export const ALIASES: Readonly<Record<string, number>> = {
  debug: Level.NOISY,
  info: Level.OPERATIONAL,
  warn: Level.UNUSUAL,
  error: Level.SCARY,
  fatal: Level.BAD,
};
