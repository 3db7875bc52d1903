/**
 * The flightlog gatherer, as a library: collects incidents from many
 * sidecars (pulled or pushed), classifies them with rules, groups repeats
 * by fingerprint, and alerts on new problems, regressions and spikes. Run
 * one with {@linkcode Gatherer.start}, or `flightlog gather`.
 *
 * @example
 * ```ts
 * import { Gatherer } from "@flightlog/flightlog/gather";
 * const dir = await Deno.makeTempDir();
 * const gatherer = await Gatherer.start({
 *   dir,
 *   listen: { port: 0 },
 *   sources: [], // sidecar URLs to pull from; sidecars may also push (--peer)
 * });
 * console.log(`gatherer on ${gatherer.url}`);
 * await gatherer.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * Groups and stores are shared with the sidecar, and exported from
 * `@flightlog/flightlog/store`.
 *
 * @module
 */

export { Gatherer, type GathererOptions } from "./gatherer.ts";
export type { ScopedTokens } from "../http/scopes.ts";
export { type PullOptions, type Source, type SourceStats } from "./source.ts";
export {
  ALERT_TYPES,
  type AlertType,
  hmac,
  type Webhook,
  type WebhookOptions,
  type WebhookStats,
} from "./webhooks.ts";
export { Rules, type RulesOptions } from "./rules.ts";
export type {
  Classification,
  Classifier,
  ClassifyInput,
} from "../store/classify.ts";
