/**
 * The classification rules of the incident gatherer, like foolscap's
 * `classify_*.py` plug-ins: the `*.json` and `*.ts` files of a folder, tried
 * in file-name order, decide an incident's category (and may override its
 * group fingerprint and title). Names starting with `.` are ignored.
 *
 * A `*.json` file holds declarative rules matched against the trigger
 * event (see {@linkcode Rules.load}). A `*.ts` file exports
 * `classify(incident)` returning a category, `{ category, fingerprint?,
 * title? }` or `undefined`.
 *
 * The `*.ts` rules run in one module Worker (`_rule_worker.ts`), so a rule
 * that loops forever is stopped after `timeoutMs` and the gatherer goes on.
 * That worker may read the rules folder and nothing else: no write, net,
 * env, run, ffi or sys (Deno narrows a worker's permissions only under
 * `--unstable-worker-options`, which `deno.json` turns on; without it
 * `.ts` rules are refused at load). The incident goes in as plain data; what
 * comes out is checked again here (type and length of each field), and a
 * bad answer counts as a throw. Reports are rate-limited: a rule that
 * throws from a timer every millisecond does not flood stderr.
 *
 * @module
 */

import { resolve } from "node:path";
import type { FlogEvent } from "../lib/flog_event.ts";
import { isFailure } from "../store/fingerprint.ts";
import { renderMessage } from "../lib/format.ts";
import { parseLevel } from "../lib/levels.ts";
import type {
  Classification,
  Classifier,
  ClassifyInput,
} from "../store/classify.ts";
import { RuleWorker } from "./_rule_worker.ts";
import { MAX_CATEGORY, MAX_FINGERPRINT, MAX_TITLE } from "./_rule_answer.ts";
import { limitReports } from "./_report_limit.ts";

export type { Classification, ClassifyInput };

/**
 * Options of {@linkcode Rules.load}.
 *
 * @example
 * ```ts
 * import type { RulesOptions } from "./rules.ts";
 * const options: RulesOptions = { timeoutMs: 500, onProblem: console.error };
 * ```
 */
export interface RulesOptions {
  /** Most time one `*.ts` rule may take on one incident. @default {1000} */
  timeoutMs?: number;
  /**
   * Told, in a message naming the file, when a `*.ts` rule throws, times
   * out or returns a bad value (the rule is then skipped).
   * @default {console.warn}
   */
  onProblem?: (message: string) => void;
}

type Answer = Omit<Classification, "rule">;
type Rule =
  | { kind: "json"; label: string; test: Test; answer: Answer }
  | { kind: "ts"; label: string; path: string; index: number };
type Test = (input: ClassifyInput) => boolean;
type RuleFile = { name: string; path: string; bytes: Uint8Array };

const ANSWER_CAPS = {
  category: MAX_CATEGORY,
  fingerprint: MAX_FINGERPRINT,
  title: MAX_TITLE,
};
const RULE_KEYS = ["name", "match", "category", "fingerprint", "title"];
const MATCH_KEYS = "facility minLevel maxLevel template message error app"
  .split(" ");

/**
 * The rules of a folder, loaded once; {@linkcode Rules.classify} tries them
 * in order. Dispose it to stop the worker of the `*.ts` rules.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { Rules } from "./rules.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/db.json`, '[{"match": {"facility": "db"}, "category": "db"}]');
 * const rules = await Rules.load(dir);
 * const trigger = { num: 0, time: 0, incarnation: ["x", null] as [string, null], level: 30, facility: "db/pool" };
 * const c = await rules.classify({ header: { type: "incident" }, trigger, events: [] });
 * assert(c?.category === "db" && c.rule === "db.json#0");
 * await rules[Symbol.asyncDispose]();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Rules implements AsyncDisposable, Classifier {
  /**
   * sha-256 (hex) over the sorted file names and contents; changes when a
   * rule does. Empty without rules, as for a store with no classifier.
   */
  readonly hash: string;
  /** Number of rules: each JSON rule, each `*.ts` file. */
  readonly size: number;
  readonly #rules: readonly Rule[];
  readonly #worker: RuleWorker | undefined;
  readonly #options: Required<RulesOptions>;
  #queue: Promise<unknown> = Promise.resolve();
  #disposed = false;

  private constructor(
    hash: string,
    rules: Rule[],
    worker: RuleWorker | undefined,
    options: Required<RulesOptions>,
  ) {
    this.hash = hash;
    this.size = rules.length;
    this.#rules = rules;
    this.#worker = worker;
    this.#options = options;
  }

  /**
   * Loads every `*.ts` and `*.json` file of `dir` (not recursive), in
   * file-name order. A missing or undefined `dir` gives no rules.
   *
   * A JSON file is an array of rules or `{ "rules": [...] }`. A rule is
   * `{ name?, match?, category, fingerprint?, title? }`; the keys of
   * `match`, all optional and ANDed, test the trigger event (so a rule
   * with any of them never matches an incident without one), except `app`:
   * - `facility`: the facility or a parent of it (`db` matches `db/pool`);
   * - `minLevel`, `maxLevel`: inclusive, an integer or a level name;
   * - `template`: a regex tested against `format` (else `message`);
   * - `message`: a regex tested against the rendered text;
   * - `error`: the `name` of the `failure` or of any field holding a failure;
   * - `app`: equal to the header's `app`.
   *
   * Rejects, naming the file (and the rule and key), on bad JSON, an
   * unknown key, a bad regex or level, or a `*.ts` file that does not
   * import or exports no `classify`.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { Rules } from "./rules.ts";
   * await using rules = await Rules.load("/no/such/dir");
   * assert(rules.size === 0);
   * ```
   */
  static async load(
    dir: string | undefined,
    options: RulesOptions = {},
  ): Promise<Rules> {
    const timeoutMs = options.timeoutMs ?? 1000;
    if (!(timeoutMs > 0 && timeoutMs < 2 ** 31)) {
      throw new RangeError(`timeoutMs must be in (0, 2³¹), got ${timeoutMs}`);
    }
    const onProblem = limitReports(options.onProblem ?? console.warn);
    const files = dir === undefined ? [] : await readRuleFiles(resolve(dir));
    const paths: string[] = []; // of the `*.ts` rules
    const rules = files.flatMap(({ name, path, bytes }): Rule[] =>
      name.endsWith(".json")
        ? compileJsonFile(path, name, bytes)
        : [{ kind: "ts", label: name, path, index: paths.push(path) - 1 }]
    );
    const worker = paths.length === 0 ? undefined : await RuleWorker.open(
      paths,
      (message) => onProblem(`classification rules in ${dir}: ${message}`),
    );
    const hash = await hashFiles(files);
    return new Rules(hash, rules, worker, { timeoutMs, onProblem });
  }

  /**
   * The first matching rule's answer, in file order (a JSON file's rules in
   * array order); `undefined` when none matches. A `*.ts` rule that throws,
   * times out or returns anything but a category, an answer object or
   * `undefined` is told to `onProblem` and skipped. Calls run one at a time.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { Rules } from "./rules.ts";
   * await using rules = await Rules.load(undefined);
   * const input = { header: { type: "incident" }, trigger: undefined, events: [] };
   * assert((await rules.classify(input)) === undefined);
   * ```
   */
  classify(input: ClassifyInput): Promise<Classification | undefined> {
    const run = this.#queue.then(() => this.#classify(input));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #classify(input: ClassifyInput): Promise<Classification | undefined> {
    if (this.#disposed) throw new Error("Rules used after dispose");
    const incident = { ...input }; // sent to the worker once, for every rule
    for (const rule of this.#rules) {
      if (rule.kind === "json") {
        if (rule.test(input)) return { ...rule.answer, rule: rule.label };
        continue;
      }
      try {
        const options = this.#options; // its timeoutMs
        const answer = await this.#worker!.call(incident, rule.index, options);
        if (answer !== undefined) return { ...answer, rule: rule.label };
      } catch (e) {
        if (this.#disposed) throw new Error("Rules disposed during classify");
        this.#options.onProblem(
          `classification rule ${rule.path}: ${(e as Error).message}; skipped`,
        );
      }
    }
    return undefined;
  }

  /** Stops the worker of the `*.ts` rules. */
  [Symbol.asyncDispose](): Promise<void> {
    this.#disposed = true;
    this.#worker?.stop();
    return Promise.resolve();
  }
}

async function readRuleFiles(dir: string): Promise<RuleFile[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory || entry.name.startsWith(".")) continue;
      if (/\.(ts|json)$/.test(entry.name)) names.push(entry.name);
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  names.sort();
  return await Promise.all(names.map(async (name) => {
    const path = resolve(dir, name);
    return { name, path, bytes: await Deno.readFile(path) };
  }));
}

/**
 * The hash {@linkcode Rules.load} would give the rules in `dir` now, without
 * loading them (to notice a change).
 */
export async function rulesHash(dir: string | undefined): Promise<string> {
  return await hashFiles(
    dir === undefined ? [] : await readRuleFiles(resolve(dir)),
  );
}

async function hashFiles(files: RuleFile[]): Promise<string> {
  // No rules is no classifier: a store classified without any (a
  // sidecar's) is not classified again by a gatherer without any.
  if (files.length === 0) return "";
  const encoder = new TextEncoder();
  // Lengths delimit names and contents, so no two folders share an input.
  const parts = files.flatMap(({ name, bytes }) => [
    encoder.encode(`${name.length}:${name}${bytes.length}:`),
    bytes,
  ]);
  const data = await new Blob(parts as BlobPart[]).arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkKeys(value: object, known: string[], where: string): void {
  const unknown = Object.keys(value).find((k) => !known.includes(k));
  if (unknown === undefined) return;
  const list = known.join(", ");
  throw new TypeError(`${where}: unknown key "${unknown}"; known: ${list}`);
}

function text(value: unknown, where: string): string {
  if (typeof value === "string" && value !== "") return value;
  const got = JSON.stringify(value);
  throw new TypeError(`${where}: expected a non-empty string, got ${got}`);
}

function compileJsonFile(path: string, file: string, bytes: Uint8Array) {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    const why = (e as Error).message;
    throw new SyntaxError(`${path}: not JSON: ${why}`, { cause: e });
  }
  if (isObject(data)) checkKeys(data, ["rules"], path);
  const list = isObject(data) ? data.rules : data;
  if (!Array.isArray(list)) {
    throw new TypeError(`${path}: expected [rules...] or {"rules": [...]}`);
  }
  const labels = new Set<string>();
  return list.map((raw, i) => {
    const rule = compileJsonRule(raw, `${path}: rule ${i}`, `${file}#${i}`);
    if (labels.has(rule.label)) {
      throw new TypeError(`${path}: rule ${i}: name used twice: ${rule.label}`);
    }
    labels.add(rule.label);
    return rule;
  });
}

function compileJsonRule(raw: unknown, at: string, label: string): Rule {
  if (!isObject(raw)) throw new TypeError(`${at}: not an object`);
  if (raw.name !== undefined) {
    const name = text(raw.name, `${at}: "name"`);
    at = `${at} (${JSON.stringify(name)})`;
    label = `${label.slice(0, label.lastIndexOf("#"))}#${name}`;
  }
  checkKeys(raw, RULE_KEYS, at);
  const answer: Answer = { category: text(raw.category, `${at}: "category"`) };
  for (const key of ["fingerprint", "title"] as const) {
    if (raw[key] !== undefined) answer[key] = text(raw[key], `${at}: "${key}"`);
  }
  for (const [key, cap] of Object.entries(ANSWER_CAPS)) {
    const length = answer[key as keyof Answer]?.length ?? 0;
    if (length > cap) {
      throw new RangeError(`${at}: "${key}" is ${length} long; at most ${cap}`);
    }
  }
  const match = raw.match ?? {};
  if (!isObject(match)) throw new TypeError(`${at}: "match" is not an object`);
  checkKeys(match, MATCH_KEYS, `${at}: "match"`);
  return { kind: "json", label, test: compileMatch(match, at), answer };
}

function compileMatch(match: Record<string, unknown>, at: string): Test {
  const where = (key: string) => `${at}: "match.${key}"`;
  const tests: ((trigger: FlogEvent) => boolean)[] = [];
  if (match.facility !== undefined) {
    const prefix = text(match.facility, where("facility")).replace(/\/+$/, "");
    tests.push(({ facility: f }) =>
      typeof f === "string" && (f === prefix || f.startsWith(`${prefix}/`))
    );
  }
  const min = level(match.minLevel, where("minLevel"));
  if (min !== undefined) tests.push((t) => t.level >= min);
  const max = level(match.maxLevel, where("maxLevel"));
  if (max !== undefined) tests.push((t) => t.level <= max);
  if (min !== undefined && max !== undefined && min > max) {
    throw new RangeError(`${at}: "match.minLevel" ${min} > maxLevel ${max}`);
  }
  const template = regex(match.template, where("template"));
  if (template !== undefined) {
    tests.push((t) => {
      const s = typeof t.format === "string" ? t.format : t.message;
      return typeof s === "string" && template.test(s);
    });
  }
  const message = regex(match.message, where("message"));
  if (message !== undefined) tests.push((t) => message.test(renderMessage(t)));
  if (match.error !== undefined) {
    const name = text(match.error, where("error"));
    tests.push((t) =>
      Object.values(t).some((v) => isFailure(v) && v.name === name)
    );
  }
  const app = match.app === undefined
    ? undefined
    : text(match.app, where("app"));
  return ({ header, trigger }) =>
    (app === undefined || header.app === app) &&
    (tests.length === 0 ||
      (trigger !== undefined && tests.every((test) => test(trigger))));
}

function level(value: unknown, where: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    if (typeof value !== "string" && typeof value !== "number") {
      throw new RangeError(`expected a level, got ${JSON.stringify(value)}`);
    }
    return parseLevel(value);
  } catch (e) {
    throw new RangeError(`${where}: ${(e as Error).message}`, { cause: e });
  }
}

function regex(value: unknown, where: string): RegExp | undefined {
  if (value === undefined) return undefined;
  try {
    return new RegExp(text(value, where));
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new SyntaxError(`${where}: bad regex: ${e.message}`, { cause: e });
  }
}
