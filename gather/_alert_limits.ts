/**
 * Each webhook's alert rate limit: at most `max` alerts per window. What
 * is held back past it is counted by type, and summed in one digest alert
 * once the window has room again, so a flood of new fingerprints (any
 * pusher can make thousands) costs a receiver one message, not thousands.
 *
 * @module
 */

/** Alerts held back, by type. */
export type Held = Record<string, number>;

const NOUNS: Record<string, [string, string]> = {
  new_group: ["new group", "new groups"],
  regression: ["regression", "regressions"],
  spike: ["spike", "spikes"],
};

/** The text of a digest: "and 312 more new groups, 1 more spike". */
export function digestText(held: Held): string {
  const parts = Object.entries(held).filter(([, n]) => n > 0).map(
    ([type, n]) => {
      const [one, many] = NOUNS[type] ?? [`${type} alert`, `${type} alerts`];
      return `${n} more ${n === 1 ? one : many}`;
    },
  );
  return `and ${parts.join(", ")}`;
}

interface HookLimit {
  max: number;
  /** When the alerts of the window were sent, oldest first. */
  sent: number[];
  held: Held;
}

/** The rate limits of a gatherer's webhooks, by hook key. */
export class AlertLimits {
  readonly #hooks = new Map<string, HookLimit>();
  readonly #windowMs: number;
  #heldBack = 0;

  /** Limits of `max` alerts per `windowMs` for each hook. */
  constructor(hooks: { key: string; max: number }[], windowMs: number) {
    for (const { key, max } of hooks) {
      if (!Number.isInteger(max) || max < 1) {
        throw new RangeError(
          `maxAlertsPerMinute must be a whole number above 0, got ${max}`,
        );
      }
      this.#hooks.set(key, { max, sent: [], held: {} });
    }
    this.#windowMs = windowMs;
  }

  /** Alerts held back since the start. */
  get heldBack(): number {
    return this.#heldBack;
  }

  #room(h: HookLimit, now: number): boolean {
    while (h.sent.length > 0 && now - h.sent[0] >= this.#windowMs) {
      h.sent.shift();
    }
    return h.sent.length < h.max;
  }

  /**
   * Whether an alert of `type` to hook `key` goes out now (then it counts);
   * else it is held back and counted.
   */
  admit(key: string, type: string, now: number = Date.now()): boolean {
    const h = this.#hooks.get(key);
    if (h === undefined) return true;
    // Nothing jumps the queue of what was held back before it.
    if (Object.keys(h.held).length === 0 && this.#room(h, now)) {
      h.sent.push(now);
      return true;
    }
    h.held[type] = (h.held[type] ?? 0) + 1;
    this.#heldBack++;
    return false;
  }

  /**
   * What hook `key` held back, to send as one digest now (it counts, and
   * the count starts again); `retryAt` while its window is still full;
   * undefined when nothing is held.
   */
  digest(
    key: string,
    now: number = Date.now(),
  ): { held: Held; total: number } | { retryAt: number } | undefined {
    const h = this.#hooks.get(key);
    if (h === undefined || Object.keys(h.held).length === 0) return undefined;
    if (!this.#room(h, now)) return { retryAt: h.sent[0] + this.#windowMs };
    h.sent.push(now);
    const held = h.held;
    h.held = {};
    return { held, total: Object.values(held).reduce((a, b) => a + b, 0) };
  }
}
