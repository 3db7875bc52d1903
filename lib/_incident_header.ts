/**
 * The header of an incident a recorder writes: flightlog's own fields
 * (pid, versions, app, host, suppressed count), then the user's hook.
 *
 * @module
 */

import type { FlogEvent } from "./flog_event.ts";
import type { FlogHeader } from "./flogfile.ts";
import { VERSION } from "./version.ts";

/** What goes into an incident header besides the trigger. */
export interface HeaderParts {
  /** The application's name. */
  app?: string;
  /** The host name, when known. */
  host?: string;
  /** Extra version strings. */
  versions?: Record<string, string>;
  /** The app's release, written as `versions[app]` (`versions.app` without an app). */
  release?: string;
  /** Incidents refused by the rate limit since the last one. */
  suppressed: number;
  /** The user's header hook. */
  hook?: (trigger: FlogEvent) => Record<string, unknown>;
  /** Called when the hook throws (the error is also put in the header). */
  onHookError: (error: unknown) => void;
}

/**
 * The header of an incident triggered by `trigger`. The hook's fields
 * override flightlog's own, but never `type` or `trigger`.
 */
export function incidentHeader(
  trigger: FlogEvent,
  parts: HeaderParts,
): FlogHeader & { trigger: FlogEvent } {
  let extra: Record<string, unknown> = {};
  if (parts.hook !== undefined) {
    try {
      extra = { ...parts.hook(trigger) };
    } catch (e) {
      parts.onHookError(e);
      extra = { header_hook_error: String(e) };
    }
  }
  const header = {
    type: "incident",
    pid: Deno.pid,
    versions: {
      flightlog: VERSION,
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      typescript: Deno.version.typescript,
      ...parts.versions,
      ...(parts.release === undefined
        ? {}
        : { [parts.app ?? "app"]: parts.release }),
    },
    ...(parts.app === undefined ? {} : { app: parts.app }),
    ...(parts.host === undefined ? {} : { host: parts.host }),
    ...(parts.suppressed > 0 ? { suppressed_incidents: parts.suppressed } : {}),
    ...extra,
    trigger,
  };
  header.type = "incident"; // after the hook's fields: they may not change it
  return header;
}

/** The host name, when the `sys` permission allows reading it (no prompt). */
export function hostname(): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "sys", kind: "hostname" });
    return state.state === "granted" ? Deno.hostname() : undefined;
  } catch {
    return undefined;
  }
}
