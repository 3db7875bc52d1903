/**
 * Release rules of a group: the order of two releases, and whether a new
 * incident of a resolved group is a regression or was seen in an older
 * release than the one the fix went into. Pure functions of the group's
 * state, so every backend decides alike.
 *
 * @module
 */

/** `"next"`: resolved in whichever release is seen first after the resolve. */
export const NEXT_RELEASE = "next";

/** The releases a group has seen, in the order first seen, with counts. */
export type ReleaseCounts = [release: string, count: number][];

/** What a resolve in a release left on the group. */
export interface Resolution {
  /** The release the fix is in, or `"next"`. */
  inRelease: string;
  /** For `"next"`: the releases seen before the resolve. */
  known?: readonly string[];
}

/** What an incident does to a group, by its release. */
export type Verdict = "regression" | "older" | "count";

const SEMVER =
  /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** The parts of a semver string, or undefined when it is not one. */
function semver(v: string): [number, number, number, string[]] | undefined {
  const m = SEMVER.exec(v);
  if (m === null) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3]), m[4]?.split(".") ?? []];
}

/** Pre-release identifiers by semver's rules: none sorts after any. */
function comparePre(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const na = /^\d+$/.test(a[i]), nb = /^\d+$/.test(b[i]);
    if (na && nb && Number(a[i]) !== Number(b[i])) {
      return Number(a[i]) - Number(b[i]);
    }
    if (na !== nb) return na ? -1 : 1;
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * Negative when `a` is older than `b`, positive when newer, 0 when the
 * same: by semver when both parse as semver, otherwise by the order the
 * releases were first seen (`seen`); a release not seen yet is the newest.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { compareReleases } from "./releases.ts";
 * assert(compareReleases("1.10.0", "1.9.2", []) > 0);
 * assert(compareReleases("blue", "green", ["green", "blue"]) > 0);
 * ```
 */
export function compareReleases(
  a: string,
  b: string,
  seen: readonly string[],
): number {
  if (a === b) return 0;
  const sa = semver(a), sb = semver(b);
  if (sa !== undefined && sb !== undefined) {
    for (let i = 0; i < 3; i++) {
      if (sa[i] !== sb[i]) return (sa[i] as number) - (sb[i] as number);
    }
    return comparePre(sa[3], sb[3]);
  }
  const ia = seen.indexOf(a), ib = seen.indexOf(b);
  return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || 0;
}

/**
 * Whether an incident of `release` reopens a group resolved as `resolution`
 * (`"regression"`), or is from a release older than the fix (`"older"`:
 * counted, the group stays resolved). Without a resolution in a release,
 * any new incident of a resolved group is a regression. An incident that
 * names no release cannot be placed, and counts as a regression.
 */
export function verdict(
  status: string,
  resolution: Resolution | undefined,
  release: string | undefined,
  seen: readonly string[],
): Verdict {
  if (status !== "resolved") return "count";
  if (resolution === undefined || release === undefined) return "regression";
  if (resolution.inRelease === NEXT_RELEASE) {
    const known = resolution.known ?? [];
    if (known.includes(release)) return "older";
    // A semver release not newer than every one known is an old one that
    // was simply not seen before.
    const newer = known.every((k) => compareReleases(release, k, seen) > 0);
    return newer ? "regression" : "older";
  }
  return compareReleases(release, resolution.inRelease, seen) < 0
    ? "older"
    : "regression";
}

/** `counts` with one more incident of `release` (appended when new). */
export function countRelease(
  counts: ReleaseCounts,
  release: string | undefined,
  max: number,
): ReleaseCounts {
  if (release === undefined) return counts;
  const at = counts.findIndex(([r]) => r === release);
  if (at >= 0) {
    return counts.map(([r, n], i) => [r, i === at ? n + 1 : n]);
  }
  return counts.length >= max ? counts : [...counts, [release, 1]];
}

/** A release as the API accepts it: 1 to 100 printable characters. */
export function checkRelease(v: unknown): string {
  if (typeof v !== "string" || !/^[\x21-\x7e]{1,100}$/.test(v)) {
    throw new TypeError(
      `inRelease must be a release like "2.0.0" or "next", 1 to 100 printable characters without spaces; got ${
        JSON.stringify(v)
      }`,
    );
  }
  return v;
}
