/**
 * The entry of the module Worker that runs the `*.ts` classification rules
 * (started by `RuleWorker` in `_rule_worker.ts`, which is the other end):
 * it serves when it is the worker's main module, and its protocol types are
 * shared with that end.
 *
 * Protocol, all structured-clonable: `{ type: "load", urls }` imports the
 * rule modules and replies `{ type: "loaded", errors }`; `{ type: "input" }`
 * sets the incident later calls see (sent once per incident, not per rule);
 * `{ type: "call", id, index }` runs one rule and replies `{ type: "result" }`.
 * An answer is checked here (to tell the rule's author early) and again by
 * the gatherer, which trusts nothing the worker posts.
 *
 * @module
 */

import { type Answer, checkAnswer } from "./_rule_answer.ts";

export type { Answer };

/** What the gatherer sends the worker. */
export type ToWorker =
  | { type: "load"; urls: string[] }
  | { type: "input"; input: unknown }
  | { type: "call"; id: number; index: number };

/** What the worker answers. */
export type FromWorker =
  | { type: "loaded"; errors: { index: number; error: string }[] }
  | { type: "stray"; error: string }
  | { type: "result"; id: number; ok: true; value: Answer | undefined }
  | { type: "result"; id: number; ok: false; error: string };

type Classify = (input: unknown) => unknown;

// Typed by hand, not with the `deno.worker` lib, so that importing this
// file does not change the globals of the gatherer's program.
const scope = self as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  addEventListener(
    type: "error" | "unhandledrejection",
    listener: (e: Event & { error?: unknown; reason?: unknown }) => void,
  ): void;
};

let rules: Promise<Classify[]> = Promise.resolve([]);
let input: unknown;

function describe(e: unknown): string {
  return e instanceof Error ? e.stack ?? String(e) : Deno.inspect(e);
}

async function load(urls: string[]): Promise<Classify[]> {
  const errors: { index: number; error: string }[] = [];
  const loaded = await Promise.all(urls.map(async (url, index) => {
    let error = "it exports no classify() function";
    try {
      const mod = await import(url);
      if (typeof mod.classify === "function") return mod.classify as Classify;
    } catch (e) {
      error = `it fails to import: ${describe(e)}`;
    }
    errors.push({ index, error });
    return () => {
      throw new Error(error);
    };
  }));
  scope.postMessage({ type: "loaded", errors });
  return loaded;
}

/** Rules may not change what the next rule sees. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

async function call(id: number, index: number): Promise<void> {
  let value: unknown;
  try {
    value = await (await rules)[index](input);
  } catch (e) {
    const error = `classify() threw ${describe(e)}`;
    return scope.postMessage({ type: "result", id, ok: false, error });
  }
  try {
    scope.postMessage({
      type: "result",
      id,
      ok: true,
      value: checkAnswer(value),
    });
  } catch (e) {
    const error = (e as Error).message;
    scope.postMessage({ type: "result", id, ok: false, error });
  }
}

if (import.meta.main) {
  // A rule's error outside classify() (a timer, a lost promise) would end
  // the worker and print to the gatherer's stderr: tell the gatherer instead.
  for (const type of ["error", "unhandledrejection"] as const) {
    scope.addEventListener(type, (e) => {
      e.preventDefault();
      const error = describe(type === "error" ? e.error : e.reason);
      scope.postMessage({ type: "stray", error });
    });
  }
  scope.onmessage = (e) => {
    const message = e.data;
    if (message.type === "load") rules = load(message.urls);
    else if (message.type === "input") input = deepFreeze(message.input);
    else void call(message.id, message.index);
  };
}
