// Classification rules: JSON matching, .ts rules in a worker, load errors.
import assert from "node:assert/strict";
import { join } from "node:path";
import type { FailureValue, FlogEvent } from "../lib/flog_event.ts";
import {
  type ClassifyInput,
  Rules,
  type RulesOptions,
} from "../gather/rules.ts";
import { tempDir } from "./_util.ts";

type Files = Record<string, unknown>;

async function writeFiles(dir: string, files: Files): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const text = typeof content === "string"
      ? content
      : JSON.stringify(content);
    await Deno.writeTextFile(join(dir, name), text);
  }
}

/** Runs `body` on the rules of `files` (strings as is, the rest as JSON). */
async function withRules(
  files: Files,
  body: (rules: Rules, problems: string[]) => Promise<void>,
  options: RulesOptions = {},
): Promise<void> {
  await using dir = await tempDir();
  await writeFiles(dir.path, files);
  const problems: string[] = [];
  await using rules = await Rules.load(dir.path, {
    onProblem: (message) => problems.push(message),
    ...options,
  });
  await body(rules, problems);
}

/** Asserts that loading `files` rejects with a message holding `parts`. */
async function loadRejects(files: Files, ...parts: string[]): Promise<void> {
  await using dir = await tempDir();
  await writeFiles(dir.path, files);
  await assert.rejects(Rules.load(dir.path), (e: Error) => {
    for (const part of parts) assert.ok(e.message.includes(part), e.message);
    return true;
  });
}

function event(fields: Partial<FlogEvent> = {}): FlogEvent {
  return { num: 0, time: 0, incarnation: ["i", null], level: 30, ...fields };
}

function incident(
  trigger: Partial<FlogEvent> | undefined,
  app = "shop",
): ClassifyInput {
  const t = trigger && event(trigger);
  return {
    header: { type: "incident", app, trigger: t },
    trigger: t,
    events: t ? [event({ num: 1 }), t] : [],
  };
}

async function category(rules: Rules, input: ClassifyInput) {
  return (await rules.classify(input))?.category;
}

function failure(name: string): FailureValue {
  return {
    "@": "Failure",
    str: "",
    repr: "",
    traceback: "",
    name,
    message: "",
  };
}

Deno.test("Rules.classify() matches facility prefixes on slash boundaries", async () => {
  await withRules(
    { "db.json": [{ match: { facility: "db" }, category: "db" }] },
    async (rules) => {
      assert.equal(await category(rules, incident({ facility: "db" })), "db");
      assert.equal(
        await category(rules, incident({ facility: "db/pool" })),
        "db",
      );
      assert.equal(
        await category(rules, incident({ facility: "dbx" })),
        undefined,
      );
      assert.equal(await category(rules, incident({})), undefined);
    },
  );
});

Deno.test("Rules.classify() matches a level range given by name and number", async () => {
  const rule = { match: { minLevel: "WEIRD", maxLevel: 35 }, category: "mid" };
  await withRules({ "l.json": [rule] }, async (rules) => {
    const at = (level: number) => category(rules, incident({ level }));
    assert.deepEqual(
      [await at(28), await at(30), await at(35), await at(40)],
      [undefined, "mid", "mid", undefined],
    );
  });
});

Deno.test("Rules.classify() matches the template, or the message without one", async () => {
  const rule = { match: { template: "^timed out after" }, category: "t" };
  await withRules({ "t.json": [rule] }, async (rules) => {
    const format = "timed out after %(ms)d ms";
    assert.equal(await category(rules, incident({ format, ms: 5 })), "t");
    const message = "timed out after 5 ms";
    assert.equal(await category(rules, incident({ message })), "t");
    const other = { format: "took %(ms)d ms", ms: 5 };
    assert.equal(await category(rules, incident(other)), undefined);
  });
});

Deno.test("Rules.classify() matches the rendered message text", async () => {
  const rule = { match: { message: "after \\d+ ms$" }, category: "m" };
  await withRules({ "m.json": [rule] }, async (rules) => {
    const format = "timed out after %(ms)d ms";
    assert.equal(await category(rules, incident({ format, ms: 500 })), "m");
    const plain = { format: "timed out after many ms" };
    assert.equal(await category(rules, incident(plain)), undefined);
  });
});

Deno.test("Rules.classify() matches the error name of the failure", async () => {
  const rule = { match: { error: "TimeoutError" }, category: "e" };
  await withRules({ "e.json": [rule] }, async (rules) => {
    const hit = incident({ failure: failure("TimeoutError") });
    assert.equal(await category(rules, hit), "e");
    const miss = incident({ failure: failure("TypeError") });
    assert.equal(await category(rules, miss), undefined);
  });
});

Deno.test("Rules.classify() matches the error name of a failure field", async () => {
  const rule = { match: { error: "TimeoutError" }, category: "e" };
  await withRules({ "e.json": [rule] }, async (rules) => {
    const hit = incident({ upstream: failure("TimeoutError") });
    assert.equal(await category(rules, hit), "e");
    const lookalike = incident({ upstream: { name: "TimeoutError" } });
    assert.equal(await category(rules, lookalike), undefined);
  });
});

Deno.test("Rules.classify() matches the app, even without a trigger", async () => {
  await withRules(
    { "a.json": [{ match: { app: "shop" }, category: "shop" }] },
    async (rules) => {
      assert.equal(await category(rules, incident(undefined, "shop")), "shop");
      assert.equal(await category(rules, incident({}, "blog")), undefined);
    },
  );
});

Deno.test("Rules.classify() never matches trigger keys without a trigger", async () => {
  await withRules(
    { "a.json": [{ match: { app: "shop", minLevel: 0 }, category: "x" }] },
    async (rules) => {
      assert.equal(await category(rules, incident(undefined)), undefined);
    },
  );
});

Deno.test("Rules.classify() tries files in file-name order, first match wins", async () => {
  await withRules({
    "20-b.ts": 'export const classify = () => "b";',
    "10-a.json": [{ match: { facility: "db" }, category: "a" }],
    "05-c.ts": "export function classify() {}",
  }, async (rules) => {
    assert.equal(rules.size, 3);
    const db = await rules.classify(incident({ facility: "db" }));
    assert.deepEqual(db, { category: "a", rule: "10-a.json#0" });
    const other = await rules.classify(incident({ facility: "net" }));
    assert.deepEqual(other, { category: "b", rule: "20-b.ts" });
  });
});

Deno.test("Rules.classify() tries a file's rules in array order", async () => {
  await withRules({
    "x.json": {
      rules: [
        { name: "db", match: { facility: "db" }, category: "first" },
        { category: "second" },
        { category: "third" },
      ],
    },
  }, async (rules) => {
    const db = await rules.classify(incident({ facility: "db" }));
    assert.deepEqual(db, { category: "first", rule: "x.json#db" });
    const other = await rules.classify(incident({}));
    assert.deepEqual(other, { category: "second", rule: "x.json#1" });
  });
});

Deno.test("Rules.classify() gives undefined when no rule matches", async () => {
  await withRules(
    { "a.json": [{ match: { facility: "db" }, category: "db" }] },
    async (rules) => {
      assert.equal(
        await rules.classify(incident({ facility: "net" })),
        undefined,
      );
    },
  );
});

Deno.test("Rules.load() gives no rules for an empty, missing or unset dir", async () => {
  await using empty = await tempDir();
  for (const dir of [empty.path, join(empty.path, "missing"), undefined]) {
    await using rules = await Rules.load(dir);
    assert.equal(rules.size, 0);
    assert.equal(await rules.classify(incident({})), undefined);
  }
});

Deno.test("Rules.classify() returns the fingerprint and title overrides", async () => {
  const rule = { category: "c", fingerprint: "fp", title: "Database timeouts" };
  await withRules({ "o.json": [rule] }, async (rules) => {
    assert.deepEqual(await rules.classify(incident({})), {
      ...rule,
      rule: "o.json#0",
    });
  });
});

Deno.test("Rules.classify() takes a category from a .ts rule", async () => {
  const source = `export function classify({ trigger }) {
    return trigger?.facility === "db" ? "db" : undefined;
  }`;
  await withRules({ "db.ts": source }, async (rules) => {
    const db = await rules.classify(incident({ facility: "db" }));
    assert.deepEqual(db, { category: "db", rule: "db.ts" });
    assert.equal(
      await rules.classify(incident({ facility: "net" })),
      undefined,
    );
  });
});

Deno.test("Rules.classify() takes an answer object from a .ts rule", async () => {
  const source = `export async function classify() {
    return { category: "c", fingerprint: "fp", title: "T" };
  }`;
  await withRules({ "o.ts": source }, async (rules) => {
    assert.deepEqual(await rules.classify(incident({})), {
      category: "c",
      fingerprint: "fp",
      title: "T",
      rule: "o.ts",
    });
  });
});

Deno.test("Rules.classify() shows a .ts rule the header and every event", async () => {
  const source = `export function classify({ header, events }) {
    return header.app + ":" + events.map((e) => e.num).join(",");
  }`;
  await withRules({ "all.ts": source }, async (rules) => {
    assert.equal(await category(rules, incident({ num: 7 })), "shop:1,7");
  });
});

Deno.test("Rules.classify() reports a throwing .ts rule and tries the next", async () => {
  await withRules({
    "10-throw.ts": 'export function classify() { throw new Error("boom"); }',
    "20-ok.ts": 'export const classify = () => "ok";',
  }, async (rules, problems) => {
    const c = await rules.classify(incident({}));
    assert.deepEqual(c, { category: "ok", rule: "20-ok.ts" });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /10-throw\.ts.*boom/s);
  });
});

Deno.test("Rules.classify() reports a .ts rule's bad value and tries the next", async () => {
  await withRules({
    "10-bad.ts": "export const classify = () => 42;",
    "20-ok.ts": 'export const classify = () => "ok";',
  }, async (rules, problems) => {
    assert.equal(await category(rules, incident({})), "ok");
    assert.equal(problems.length, 1);
    assert.match(problems[0], /10-bad\.ts.*42/s);
  });
});

Deno.test("Rules.classify() reports a .ts rule's later error and goes on", async () => {
  const late = `export function classify() {
    setTimeout(() => { throw new Error("late"); }, 0);
    return "x";
  }`;
  const { promise: reported, resolve } = Promise.withResolvers<string>();
  await withRules({ "late.ts": late }, async (rules) => {
    assert.equal(await category(rules, incident({})), "x");
    assert.match(await reported, /outside classify.*late\.ts/s);
    assert.equal(await category(rules, incident({})), "x");
  }, { onProblem: resolve });
});

Deno.test("Rules.classify() stops a looping .ts rule at timeoutMs, then goes on", async () => {
  const loop = `export function classify({ trigger }) {
    if (trigger?.facility === "hang") while (true) {}
    return "fine";
  }`;
  await withRules({
    "10-loop.ts": loop,
    "20-ok.ts": 'export const classify = () => "ok";',
  }, async (rules, problems) => {
    const hung = await rules.classify(incident({ facility: "hang" }));
    assert.deepEqual(hung, { category: "ok", rule: "20-ok.ts" });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /10-loop\.ts.*200 ms/s);
    // A fresh worker runs the same rule on the next incident.
    const next = await rules.classify(incident({ facility: "db" }));
    assert.deepEqual(next, { category: "fine", rule: "10-loop.ts" });
    assert.equal(problems.length, 1);
  }, { timeoutMs: 200 });
});

Deno.test("Rules.load() rejects bad JSON, naming the file", async () => {
  await loadRejects({ "bad.json": "[{" }, "bad.json");
});

Deno.test("Rules.load() rejects an unknown key, naming file, rule and key", async () => {
  await loadRejects(
    { "k.json": [{ category: "a" }, { category: "b", mtach: {} }] },
    "k.json",
    "rule 1",
    "mtach",
  );
  await loadRejects(
    { "k.json": [{ name: "n", category: "a", match: { level: 30 } }] },
    "k.json",
    '"n"',
    '"level"',
  );
});

Deno.test("Rules.load() rejects a bad regex, naming the file and field", async () => {
  await loadRejects(
    { "r.json": [{ category: "a", match: { template: "(" } }] },
    "r.json",
    "match.template",
  );
});

Deno.test("Rules.load() rejects a bad level name, naming the file and field", async () => {
  await loadRejects(
    { "l.json": [{ category: "a", match: { minLevel: "LOUD" } }] },
    "l.json",
    "match.minLevel",
  );
});

Deno.test("Rules.load() rejects a rule without a category", async () => {
  await loadRejects({ "c.json": [{ match: {} }] }, "c.json", "category");
});

Deno.test("Rules.load() rejects a .ts rule that does not import", async () => {
  await loadRejects(
    { "broken.ts": "export function classify( {" },
    "broken.ts",
  );
});

Deno.test("Rules.load() rejects a .ts rule that exports no classify", async () => {
  await loadRejects(
    { "none.ts": "export const x = 1;" },
    "none.ts",
    "classify",
  );
});

Deno.test("Rules.hash is equal for equal files and changes with a file", async () => {
  const files = { "a.json": [{ category: "a" }], "b.json": [] };
  await using one = await tempDir();
  await using two = await tempDir();
  await writeFiles(one.path, files);
  await writeFiles(two.path, files);
  const hash = async (dir: string | undefined) => {
    await using rules = await Rules.load(dir);
    return rules.hash;
  };
  const before = await hash(one.path);
  assert.match(before, /^[0-9a-f]{64}$/);
  assert.equal(await hash(two.path), before);
  await writeFiles(two.path, { "a.json": [{ category: "b" }] });
  assert.notEqual(await hash(two.path), before);
  assert.equal(await hash(undefined), await hash(join(one.path, "none")));
  assert.equal(await hash(undefined), "", "no rules: as no classifier");
});
