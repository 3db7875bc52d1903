/**
 * What an alert is made of: whether a webhook wants it (its filters), its
 * chat text (`format: "slack"`), and its signature.
 *
 * @module
 */

import type { Group } from "../store/groups.ts";
import type { AlertType, Webhook } from "./webhook_options.ts";

/** Whether webhook `h` wants this alert. */
export function matches(
  h: Webhook,
  type: AlertType,
  group: Group,
  incident: { category: string; app?: string; level?: number } | undefined,
): boolean {
  if (h.types !== undefined && !h.types.includes(type)) return false;
  const category = incident?.category ?? group.category;
  if (h.categories !== undefined && !h.categories.includes(category)) {
    return false;
  }
  if (h.apps !== undefined && !h.apps.some((a) => group.apps.includes(a))) {
    return false;
  }
  if (h.minLevel !== undefined && (incident?.level ?? 0) < h.minLevel) {
    return false;
  }
  return true;
}

/** The `text` of a chat message for an alert. */
export function slackText(
  type: AlertType,
  g: Group,
  url: string | undefined,
): string {
  const what = type === "new_group"
    ? "New problem"
    : type === "regression"
    ? "Regression"
    : "Spike";
  const apps = g.apps.length > 0 ? ` in ${g.apps.join(", ")}` : "";
  return `${what}: ${g.title} [${g.category}]${apps}, seen ${g.count}×` +
    (url === undefined ? "" : `\n${url}`);
}

/** The hex HMAC-SHA-256 of `body` with `secret`. */
export async function hmac(secret: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, enc.encode(body)),
  );
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}
