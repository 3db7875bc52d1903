/**
 * A classification rule of the demo's gatherer: an app that died (the
 * sidecar's "went away without a goodbye" incident) is a crash.
 *
 * @module
 */

/** The category of an incident, or undefined to let the next rule decide. */
export function classify(
  incident: { trigger?: { format?: string } },
): string | undefined {
  return incident.trigger?.format?.includes("went away without a goodbye")
    ? "crash"
    : undefined;
}
