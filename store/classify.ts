/**
 * Classifying one incident file: read it once, ask the rules for a category
 * (and perhaps their own fingerprint and title), take the fingerprint of its
 * trigger, and gather the text its full-text index holds. The sidecar runs
 * it with no rules (every category `unknown`), the gatherer with `--rules`.
 *
 * @module
 */

import type { FlogEvent } from "../lib/flog_event.ts";
import type { FlogHeader } from "../lib/flogfile.ts";
import { renderMessage } from "../lib/format.ts";
import { type IncidentSummary, summarizeIncident } from "../lib/incidents.ts";
import { failureOf, fingerprint } from "./fingerprint.ts";

/**
 * What a rule sees of an incident.
 *
 * @example
 * ```ts
 * import type { ClassifyInput } from "@flightlog/flightlog/store";
 * const isDb = (i: ClassifyInput) => i.trigger?.facility?.startsWith("db");
 * ```
 */
export interface ClassifyInput {
  /** The incident's header. */
  header: FlogHeader;
  /** The event that triggered it. */
  trigger: FlogEvent | undefined;
  /** Every event of the incident, in order. */
  events: FlogEvent[];
}

/**
 * What the first matching rule decided.
 *
 * @example
 * ```ts
 * import type { Classification } from "@flightlog/flightlog/store";
 * const c: Classification = { category: "db-timeout", rule: "db.json#0" };
 * ```
 */
export interface Classification {
  /** The category. */
  category: string;
  /** A fingerprint of the rule's own, replacing the computed one. */
  fingerprint?: string;
  /** A group title of the rule's own. */
  title?: string;
  /** Which rule decided. */
  rule: string;
}

/**
 * Rules that classify incidents (`gather/rules.ts` loads them from a
 * folder); `hash` changes when they do, and stored incidents are then
 * classified again.
 *
 * @example
 * ```ts
 * import type { Classifier } from "@flightlog/flightlog/store";
 * const byApp: Classifier = {
 *   hash: "by-app-1",
 *   classify: (i) => Promise.resolve({ category: String(i.header.app), rule: "by-app" }),
 * };
 * ```
 */
export interface Classifier {
  /** Identifies the rules' content. */
  readonly hash: string;
  /** The first match, or `undefined` for `unknown`. */
  classify(input: ClassifyInput): Promise<Classification | undefined>;
}

/** The category of incidents no rule matched. */
export const UNKNOWN = "unknown";

/** Most bytes of event text one incident puts in the full-text index. */
export const MAX_TEXT_BYTES = 1 << 20;

/**
 * One incident, classified: its summary, category, group (fingerprint) and
 * title, and its event text for the full-text index.
 */
export interface ClassifiedIncident {
  /** The summary of the file. */
  summary: IncidentSummary;
  /** The category (`unknown` without a matching rule). */
  category: string;
  /** The rule that decided, if one did. */
  rule?: string;
  /** The group's id: the fingerprint. */
  group: string;
  /** The group's title. */
  title: string;
  /**
   * Facility and text of each event, one per line, with the text of the
   * errors they record; at most {@linkcode MAX_TEXT_BYTES}.
   */
  text: string;
}

/**
 * Reads, classifies and fingerprints the incident at `path`, handing each
 * event to `onEvent` as it is read.
 */
export async function classifyIncident(
  path: string,
  classifier: Classifier | undefined,
  onEvent?: (e: FlogEvent) => void,
): Promise<ClassifiedIncident> {
  let header: FlogHeader = { type: "incident" };
  // The events are kept only for rules to see; the text is gathered as read.
  const events: FlogEvent[] = [];
  const text = new TextGatherer();
  const summary = await summarizeIncident(path, {
    onHeader: (h) => header = h,
    onEvent: (e) => {
      if (classifier !== undefined) events.push(e);
      text.add(e);
      onEvent?.(e);
    },
  });
  const trigger = header.trigger;
  const decided = classifier === undefined
    ? undefined
    : await classifier.classify({ header, trigger, events });
  const print = fingerprint(trigger, decided?.fingerprint);
  return {
    summary,
    category: decided?.category ?? UNKNOWN,
    rule: decided?.rule,
    group: print.id,
    title: decided?.title ?? print.title,
    text: text.text(),
  };
}

/** Event text for the search index, up to {@linkcode MAX_TEXT_BYTES}. */
class TextGatherer {
  readonly #lines: string[] = [];
  #size = 0;

  add(e: FlogEvent): void {
    if (this.#size > MAX_TEXT_BYTES) return;
    let line: string;
    try {
      line = `${e.facility ?? ""} ${renderMessage(e)}`;
    } catch {
      return;
    }
    // An error's text, stack and causes are searchable too.
    const failure = failureOf(e);
    if (failure !== undefined) {
      line += "\n" + String(failure.str).slice(0, 4096);
    }
    this.#size += line.length + 1;
    if (this.#size <= MAX_TEXT_BYTES) this.#lines.push(line);
  }

  text(): string {
    return this.#lines.join("\n");
  }
}
