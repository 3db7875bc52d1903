/**
 * The one stderr line an app prints when one of its incidents is written:
 * where the file is, how many events it holds, and what triggered it.
 *
 * @module
 */

import { renderMessage } from "./format.ts";
import type { IncidentInfo } from "./reporter.ts";

/** Longest trigger text shown in the line (the file has all of it). */
const MAX_TEXT = 200;

/** The announcement of `info`, one line. */
export function announcement(info: IncidentInfo): string {
  let text: string;
  try {
    text = renderMessage(info.trigger);
  } catch {
    text = String(info.trigger.format ?? info.trigger.message ?? "");
  }
  text = text.replace(/\s+/g, " ").trim();
  if (text.length > MAX_TEXT) text = text.slice(0, MAX_TEXT - 1) + "…";
  const state = info.complete ? "" : ` (not finished: ${info.error})`;
  return `flightlog: incident written: ${info.path} (${info.events} events)${state}: ${text}`;
}
