/**
 * Where the rule worker's entry is: `_rule_worker_main.ts` beside this file.
 * `deno task bundle` maps this module (by import map) to one that holds the
 * bundled entry as a `data:` URL, so that the one-file bundle starts its
 * worker with no file beside it.
 *
 * @module
 */

/** The URL `new Worker()` is given for the rule worker. */
export const RULE_WORKER_URL: string =
  new URL("./_rule_worker_main.ts", import.meta.url).href;
