/**
 * `flightlog gather`'s line per incident received: its name, where it came
 * from, its group, and whether that group is new.
 *
 * @module
 */

import type { Store } from "../store/store.ts";
import type { StoredIncident } from "../store/_store_rows.ts";

/** The line for `s`, whose group now holds `count` incidents. */
export function receivedLine(s: StoredIncident, count: number): string {
  const group = count <= 1 ? "new group" : `group of ${count}`;
  return `${
    new Date().toISOString()
  } incident received: ${s.name} from ${s.source}, ${group} ${s.group} (${s.category}): ${s.summary}`;
}

/**
 * Prints a line for each incident `store` takes in (through `write`, default
 * `console.log`); returns the function that stops it.
 */
export function announceIncidents(
  store: Store,
  write: (line: string) => void = (line) => console.log(line),
): () => void {
  return store.subscribe((s) => {
    // The group's count tells whether this incident opened it.
    Promise.resolve(store.groups.get(s.group)).then(
      (g) => write(receivedLine(s, g?.count ?? 1)),
      () => write(receivedLine(s, 1)),
    );
  });
}
