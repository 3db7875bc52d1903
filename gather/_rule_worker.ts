/**
 * The gatherer's end of the module Worker that runs the `*.ts`
 * classification rules of `Rules` (`rules.ts`) off its thread (the worker's
 * entry is `_rule_worker_main.ts`): {@linkcode RuleWorker} stops a rule
 * at its deadline by terminating the worker and starts a fresh one for the
 * next call. The protocol is described in `_rule_worker_main.ts`; what
 * comes back is checked again here (a rule can post messages itself).
 *
 * The worker runs with read of the rules' folders only: no write, net,
 * env, run, ffi or sys (Deno's `deno.permissions` of a worker, which needs
 * `--unstable-worker-options`; without it `.ts` rules are refused).
 *
 * @module
 */

import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { checkAnswer } from "./_rule_answer.ts";
import type { Answer, FromWorker, ToWorker } from "./_rule_worker_main.ts";
import { RULE_WORKER_URL } from "./_rule_worker_url.ts";

export type { Answer };

/** What the worker may post: its protocol, or anything at all (checked). */
type Reply = FromWorker | { type: "garbage" };

/** How long the worker may take to import the rules. */
const LOAD_TIMEOUT_MS = 10_000;

/**
 * The gatherer's handle on the rule worker. One request is in flight at a
 * time (the caller serializes calls).
 *
 * @example
 * ```ts ignore
 * const worker = await RuleWorker.open(["/rules/a.ts"], console.warn);
 * const answer = await worker.call(input, 0, { timeoutMs: 1000 });
 * worker.stop();
 * ```
 */
export class RuleWorker {
  readonly #urls: readonly string[];
  /** The folders of the rules: all the worker may read. */
  readonly #folders: readonly string[];
  readonly #onProblem: (message: string) => void;
  #worker: Worker | undefined;
  /** The input last posted to `#worker` (a new object per incident). */
  #input: unknown;
  #waiting: ((reply: Reply | Error) => void) | undefined;
  #nextId = 0;

  private constructor(
    paths: readonly string[],
    onProblem: (message: string) => void,
  ) {
    this.#urls = paths.map((p) => pathToFileURL(p).href);
    this.#folders = [...new Set(paths.map((p) => dirname(p)))];
    this.#onProblem = onProblem;
  }

  /**
   * A started worker that imported every rule module of `paths`; else
   * throws naming each that does not import or exports no `classify`.
   * `onProblem` is told of errors outside calls (a rule's timer that
   * throws) and of the worker failing between calls.
   */
  static async open(
    paths: readonly string[],
    onProblem: (message: string) => void,
  ): Promise<RuleWorker> {
    const worker = new RuleWorker(paths, onProblem);
    try {
      const errors = await worker.start();
      if (errors.length === 0) return worker;
      const lines = errors.map((e) => `${paths[e.index]}: ${e.error}`);
      throw new Error(lines.join("\n"));
    } catch (e) {
      worker.stop();
      throw e;
    }
  }

  /** Starts a worker importing the rules; the modules that failed, by index. */
  async start(): Promise<{ index: number; error: string }[]> {
    this.stop();
    const worker = sandboxedWorker(RULE_WORKER_URL, this.#folders);
    worker.onmessage = (e: MessageEvent<unknown>) => {
      const m = e.data as FromWorker | null;
      if (typeof m !== "object" || m === null) {
        this.#waiting?.({ type: "garbage" });
      } else if (m.type !== "stray") this.#waiting?.(m);
      else {
        this.#onProblem(
          `a rule failed outside classify(): ${String(m.error).slice(0, 2000)}`,
        );
      }
    };
    worker.onerror = (e) => {
      e.preventDefault(); // else Deno reports it as uncaught here too
      this.#crash(`the rule worker failed: ${e.message}`);
    };
    worker.onmessageerror = () => this.#crash("the rule worker sent garbage");
    this.#worker = worker;
    this.#input = undefined;
    const reply = this.#wait(
      LOAD_TIMEOUT_MS,
      `importing the rules took longer than ${LOAD_TIMEOUT_MS} ms`,
    );
    this.#post({ type: "load", urls: [...this.#urls] });
    const loaded = await reply;
    if (loaded.type !== "loaded" || !Array.isArray(loaded.errors)) {
      throw new Error("the rule worker misspoke");
    }
    return loaded.errors.map((e) => ({
      index: Number(e?.index),
      error: String(e?.error).slice(0, 2000),
    }));
  }

  /** Rule `index`'s answer on `input`; throws saying why there is none. */
  async call(
    input: unknown,
    index: number,
    { timeoutMs }: { timeoutMs: number },
  ): Promise<Answer | undefined> {
    // A module that no longer imports throws its error when called.
    if (this.#worker === undefined) await this.start();
    if (this.#input !== input) {
      this.#post({ type: "input", input });
      this.#input = input;
    }
    const id = this.#nextId++;
    const reply = this.#wait(
      timeoutMs,
      `classify() took longer than ${timeoutMs} ms and was stopped`,
    );
    this.#post({ type: "call", id, index });
    const result = await reply;
    if (result.type !== "result" || result.id !== id) {
      throw new Error("the rule worker misspoke");
    }
    if (!result.ok) throw new Error(String(result.error).slice(0, 2000));
    // Checked here too: what comes out of the worker is not trusted.
    return checkAnswer(result.value);
  }

  /** Terminates the worker; a request in flight rejects with `reason`. */
  stop(reason: Error = new Error("the rule worker was stopped")): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#waiting?.(reason);
  }

  #post(message: ToWorker): void {
    this.#worker!.postMessage(message);
  }

  #wait(ms: number, timeoutMessage: string): Promise<Reply> {
    const { promise, resolve, reject } = Promise.withResolvers<Reply>();
    const timer = setTimeout(() => this.stop(new Error(timeoutMessage)), ms);
    this.#waiting = (reply) => {
      clearTimeout(timer);
      this.#waiting = undefined;
      if (reply instanceof Error) reject(reply);
      else resolve(reply);
    };
    return promise;
  }

  #crash(message: string): void {
    const busy = this.#waiting !== undefined;
    this.stop(new Error(message));
    if (!busy) this.#onProblem(message);
  }
}

/**
 * A module worker running `url` that may read `folders` and do nothing
 * else; throws, saying how to allow it, when Deno does not let a worker's
 * permissions be narrowed.
 */
function sandboxedWorker(url: string, folders: readonly string[]): Worker {
  const permissions = {
    read: [...folders],
    write: false,
    net: false,
    env: false,
    run: false,
    ffi: false,
    sys: false,
    import: false,
  };
  try {
    return new Worker(url, {
      type: "module",
      deno: { permissions },
    } as WorkerOptions);
  } catch (e) {
    throw new Error(
      "`.ts` classification rules run in a worker that may only read their " +
        "folder, which needs Deno's --unstable-worker-options (deno.json " +
        '`"unstable": ["worker-options"]`); run with it, or use `.json` ' +
        `rules: ${(e as Error).message}`,
      { cause: e },
    );
  }
}
