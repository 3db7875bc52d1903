/**
 * "did you mean --listen?": the nearest flag or command to a mistyped one,
 * by edit distance.
 *
 * @module
 */

/** The edit distance (insertions, deletions, substitutions, swaps) of `a` and `b`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i === 0 ? j : i),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** The candidate nearest to `typed`, when near enough to be a typo. */
export function nearest(
  typed: string,
  candidates: Iterable<string>,
): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const distance = editDistance(typed, c);
    if (distance < bestDistance) [best, bestDistance] = [c, distance];
  }
  const bare = typed.replace(/^-+/, "");
  return bestDistance <= Math.max(1, Math.min(3, Math.floor(bare.length / 3)))
    ? best
    : undefined;
}

/**
 * `node:util` `parseArgs`'s error for an unknown option, said shortly with
 * the nearest flag of `usage` (every `--flag` it names); other messages as
 * they are.
 */
export function flagProblem(message: string, usage: string): string {
  const m = /^Unknown option '([^']+)'/.exec(message);
  if (m === null) return message;
  const flags = new Set(usage.match(/--[a-z][a-z0-9-]*/g) ?? []);
  const guess = nearest(m[1], flags);
  return `unknown option ${m[1]}${
    guess === undefined ? "" : `; did you mean ${guess}?`
  }`;
}
