/**
 * A gatherer's webhooks from its flags and config file, each field checked
 * with its name: URL, secret, format, filters and the alert rate limit.
 *
 * @module
 */

import { parseLevel } from "../lib/levels.ts";
import {
  ALERT_TYPES,
  type AlertType,
  type Webhook,
} from "../gather/webhooks.ts";
import { checkUrl, ConfigError, readText } from "./_config_fields.ts";

/** A webhook in a gatherer's config file (or just its URL). */
export interface WebhookConfig {
  url: string;
  secretFile?: string;
  format?: string;
  types?: string[];
  categories?: string[];
  apps?: string[];
  minLevel?: string | number;
  maxAlertsPerMinute?: number;
}

/** A webhook's payload format from `where`: json, slack or unset. */
export function webhookFormat(
  where: string,
  v: unknown,
): "json" | "slack" | undefined {
  if (v === undefined || v === "json" || v === "slack") return v;
  throw new ConfigError(
    `${where}: expected json or slack, got ${JSON.stringify(v)}`,
  );
}

/** `{ [key]: value }`, or nothing when `value` is undefined. */
function optional<K extends string, V>(key: K, value: V | undefined) {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: V };
}

function alertLimit(where: string, v: unknown): number | undefined {
  if (v === undefined || (Number.isInteger(v) && (v as number) > 0)) {
    return v as number | undefined;
  }
  throw new ConfigError(`${where}: expected a whole number above 0`);
}

function strings(where: string, v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) {
    throw new ConfigError(`${where}: expected a list of strings`);
  }
  return v;
}

/**
 * A webhook from its `--webhook` URL or config object at `where`, with the
 * shared secret and format where it sets none of its own.
 */
export async function webhookOf(
  where: string,
  w: string | WebhookConfig,
  shared: { secret?: string; format?: "json" | "slack" },
): Promise<Webhook> {
  const c: WebhookConfig = typeof w === "string" ? { url: w } : w;
  const types = strings(`${where}.types`, c.types);
  for (const t of types ?? []) {
    if (!(ALERT_TYPES as string[]).includes(t)) {
      throw new ConfigError(
        `${where}.types: ${JSON.stringify(t)} is not one of ${
          ALERT_TYPES.join(", ")
        }`,
      );
    }
  }
  let minLevel: number | undefined;
  if (c.minLevel !== undefined) {
    try {
      minLevel = parseLevel(c.minLevel);
    } catch (e) {
      throw new ConfigError(`${where}.minLevel: ${(e as Error).message}`);
    }
  }
  return {
    url: checkUrl(`${where}.url`, c.url),
    secret: c.secretFile === undefined
      ? shared.secret
      : (await readText(`${where}.secretFile`, c.secretFile)).trim(),
    format: webhookFormat(`${where}.format`, c.format) ?? shared.format,
    types: types as AlertType[] | undefined,
    categories: strings(`${where}.categories`, c.categories),
    apps: strings(`${where}.apps`, c.apps),
    minLevel,
    ...optional(
      "maxAlertsPerMinute",
      alertLimit(`${where}.maxAlertsPerMinute`, c.maxAlertsPerMinute),
    ),
  };
}
