/**
 * A recorder's incidents: those being written, the one still recording
 * (which takes the events that follow), and the recent finished ones.
 *
 * @module
 */

import type { Selection } from "./context_buffers.ts";
import type { FlogEvent } from "./flog_event.ts";
import type { IncidentInfo, IncidentReporter } from "./reporter.ts";

/** How many finished incidents a recorder remembers. */
const RECENT = 100;

/** The incidents of one recorder, from start to finish. */
export class IncidentTracker {
  readonly #reporters = new Set<IncidentReporter>();
  #active: IncidentReporter | undefined;
  #activeTakes: Selection | undefined; // isolated: which events go in it
  readonly #recent: IncidentInfo[] = [];

  /** Recent incidents (up to 100), oldest first, once finished. */
  get recent(): readonly IncidentInfo[] {
    return this.#recent;
  }

  /** The incident still recording trailing events, if any. */
  get active(): IncidentReporter | undefined {
    return this.#active;
  }

  /** Gives `event` to the active incident, if it takes it. */
  feed(event: FlogEvent): void {
    const active = this.#active;
    if (active !== undefined && (this.#activeTakes?.(event) ?? true)) {
      active.add(event);
    }
  }

  /** Tracks a started incident; `takes` picks its events under isolation. */
  started(reporter: IncidentReporter, takes: Selection | undefined): void {
    this.#reporters.add(reporter);
    if (reporter.recording) {
      this.#active = reporter;
      this.#activeTakes = takes;
    }
  }

  /** Forgets a finished incident, remembering its info among the recent. */
  finished(reporter: IncidentReporter, info: IncidentInfo): void {
    this.#reporters.delete(reporter);
    if (this.#active === reporter) {
      this.#active = undefined;
      this.#activeTakes = undefined;
    }
    this.#recent.push(info);
    if (this.#recent.length > RECENT) this.#recent.shift();
  }

  /** Finishes every incident in progress, cutting trailing windows short. */
  async finishAll(): Promise<void> {
    await Promise.all([...this.#reporters].map((r) => r.finish("close")));
  }
}
