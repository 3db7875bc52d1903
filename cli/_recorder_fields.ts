/**
 * The sidecar's recorder settings from its flags and config file: the
 * qualifier, redaction and the activity lines' format, each checked with the
 * field named.
 *
 * @module
 */

import { parseLevel } from "../lib/levels.ts";
import {
  atLeast,
  byFacility,
  never,
  type Qualifier,
} from "../lib/qualifier.ts";
import type { RedactOptions } from "../lib/redact.ts";
import { ConfigError } from "./_config_fields.ts";

/** The `qualifier` field of a sidecar's config file. */
export interface QualifierConfig {
  /** The level (name or number) from which an event triggers, or `never`. */
  atLeast?: string | number;
  /** The same per facility. */
  facilities?: Record<string, string | number>;
}

/** The `redact` field of a sidecar's config file. */
export type RedactConfig = false | {
  keys?: string[];
  patterns?: string[];
  replace?: string;
};

/** A qualifier from a level name or number, or `never`; `where` names the field. */
export function levelQualifier(where: string, v: string | number): Qualifier {
  if (v === "never") return never;
  try {
    return atLeast(parseLevel(v));
  } catch (e) {
    throw new ConfigError(`${where}: ${(e as Error).message}`);
  }
}

/** The sidecar's recorder qualifier from its config field `where`. */
export function qualifierOf(
  where: string,
  q: QualifierConfig | undefined,
): Qualifier | undefined {
  if (q === undefined) return undefined;
  const base = q.atLeast === undefined
    ? undefined
    : levelQualifier(`${where}.atLeast`, q.atLeast);
  if (q.facilities === undefined) return base;
  const table: Record<string, Qualifier> = {};
  for (const [f, v] of Object.entries(q.facilities)) {
    table[f] = levelQualifier(`${where}.facilities.${f}`, v);
  }
  return byFacility(table, base);
}

/** The sidecar's redaction from its config field `where` and `--redact-key` flags. */
export function redactOf(
  where: string,
  r: RedactConfig | undefined,
  extraKeys: string[] | undefined,
): RedactOptions | false {
  if (r === false) return false;
  if (r !== undefined && (typeof r !== "object" || r === null)) {
    throw new ConfigError(`${where}: expected false or an object`);
  }
  const patterns = (r?.patterns ?? []).map((p, i) => {
    try {
      return new RegExp(p, "g");
    } catch (e) {
      throw new ConfigError(`${where}.patterns[${i}]: ${(e as Error).message}`);
    }
  });
  return {
    keys: [...(r?.keys ?? []), ...(extraKeys ?? [])],
    patterns,
    replace: r?.replace,
  };
}

/** The activity lines' format from `where`: text (the default) or json. */
export function logFormat(where: string, v: unknown): "text" | "json" {
  if (v === undefined || v === "text" || v === "json") return v ?? "text";
  throw new ConfigError(
    `${where}: expected text or json, got ${JSON.stringify(v)}`,
  );
}
