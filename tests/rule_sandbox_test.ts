// The .ts rules' worker: it may read the rules folder and nothing else, and
// what it answers is checked by the gatherer (type, length), not trusted.
import assert from "node:assert/strict";
import { join } from "node:path";
import { type ClassifyInput, Rules } from "../gather/rules.ts";
import { REPORTS_PER_WINDOW } from "../gather/_report_limit.ts";
import { deadline, tempDir } from "./_util.ts";

const INPUT: ClassifyInput = {
  header: { type: "incident", app: "shop" },
  trigger: undefined,
  events: [],
};

/** The rules of `files` in a fresh folder, reporting to `problems`. */
async function rulesOf(
  dir: string,
  files: Record<string, string>,
  problems: string[],
  onProblem = () => {},
): Promise<Rules> {
  await Deno.mkdir(join(dir, "rules"));
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(dir, "rules", name), text);
  }
  return await Rules.load(join(dir, "rules"), {
    onProblem: (m) => {
      problems.push(m);
      onProblem();
    },
  });
}

Deno.test("A .ts rule cannot read a file outside its folder (the token file): reported, skipped", async () => {
  await using dir = await tempDir();
  const token = join(dir.path, "token");
  await Deno.writeTextFile(token, "s3cret");
  const problems: string[] = [];
  await using rules = await rulesOf(dir.path, {
    "steal.ts": `export const classify = () => Deno.readTextFileSync(${
      JSON.stringify(token)
    });`,
  }, problems);
  assert.equal(await rules.classify(INPUT), undefined);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /steal\.ts.*NotCapable.*read access/s);
});

Deno.test("A .ts rule can read its own folder", async () => {
  await using dir = await tempDir();
  const problems: string[] = [];
  await using rules = await rulesOf(dir.path, {
    "cat.txt": "payments",
    "own.ts":
      'export const classify = () => Deno.readTextFileSync(new URL("./cat.txt", import.meta.url));',
  }, problems);
  assert.equal((await rules.classify(INPUT))?.category, "payments");
  assert.deepEqual(problems, []);
});

Deno.test("A .ts rule cannot fetch: reported, skipped, nothing sent", async () => {
  await using dir = await tempDir();
  let requests = 0;
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => {
      requests++;
      return new Response("payments");
    },
  );
  const problems: string[] = [];
  await using rules = await rulesOf(dir.path, {
    "phone.ts": `export const classify = async () =>
      await (await fetch("http://127.0.0.1:${server.addr.port}/")).text();`,
  }, problems);
  assert.equal(await rules.classify(INPUT), undefined);
  assert.equal(requests, 0);
  assert.match(problems[0], /phone\.ts.*NotCapable.*net access/s);
});

Deno.test("A .ts rule cannot write, read the environment or run programs", async () => {
  await using dir = await tempDir();
  const problems: string[] = [];
  const target = join(dir.path, "rules", "written");
  await using rules = await rulesOf(dir.path, {
    "1-write.ts": `export const classify = () => { Deno.writeTextFileSync(${
      JSON.stringify(target)
    }, "x"); return "w"; };`,
    "2-env.ts": 'export const classify = () => Deno.env.get("HOME");',
    "3-run.ts":
      'export const classify = () => String(new Deno.Command("true").outputSync().code);',
  }, problems);
  assert.equal(await rules.classify(INPUT), undefined);
  assert.equal(problems.length, 3);
  for (const p of problems) assert.match(p, /NotCapable/);
  await assert.rejects(Deno.stat(target), Deno.errors.NotFound);
});

Deno.test("A forged reply posted by a rule itself is checked by the gatherer: reported, skipped", async () => {
  await using dir = await tempDir();
  const problems: string[] = [];
  // Replaces the worker's handler: every call is answered with a number.
  const forger = `self.onmessage = (e) => {
    if (e.data?.type === "call") {
      self.postMessage({ type: "result", id: e.data.id, ok: true, value: { category: 42 } });
    }
  };
  export const classify = () => "never called";`;
  await using rules = await rulesOf(dir.path, { "forge.ts": forger }, problems);
  assert.equal(await rules.classify(INPUT), undefined);
  assert.match(problems[0], /forge\.ts: classify\(\) returned a category 42/);
});

Deno.test("A reply that is not an object at all is reported, not thrown into the gatherer", async () => {
  await using dir = await tempDir();
  const problems: string[] = [];
  const forger = `self.onmessage = (e) => {
    if (e.data?.type === "call") self.postMessage(null);
  };
  export const classify = () => "never called";`;
  await using rules = await rulesOf(dir.path, { "null.ts": forger }, problems);
  assert.equal(await rules.classify(INPUT), undefined);
  assert.match(problems[0], /null\.ts: the rule worker misspoke/);
});

Deno.test("A .ts rule's category over the cap is reported and skipped", async () => {
  await using dir = await tempDir();
  const problems: string[] = [];
  await using rules = await rulesOf(dir.path, {
    "1-huge.ts": 'export const classify = () => "x".repeat(1_000_000);',
    "2-ok.ts":
      'export const classify = () => ({ category: "ok", title: "t" });',
  }, problems);
  assert.deepEqual(await rules.classify(INPUT), {
    category: "ok",
    title: "t",
    rule: "2-ok.ts",
  });
  assert.match(
    problems[0],
    /1-huge\.ts: classify\(\) returned a category of 1000000 characters; at most 128 are taken/,
  );
});

Deno.test("A JSON rule's title over the cap is refused at load, naming the file", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "rules"));
  await Deno.writeTextFile(
    join(dir.path, "rules", "long.json"),
    JSON.stringify([{ category: "c", title: "t".repeat(5000) }]),
  );
  await assert.rejects(
    Rules.load(join(dir.path, "rules")),
    /long\.json: rule 0: "title" is 5000 long; at most 1024/,
  );
});

Deno.test("A rule throwing from a timer every millisecond is reported at a bounded rate", async () => {
  await using dir = await tempDir();
  const problems: string[] = [];
  const full = Promise.withResolvers<void>();
  const flood = `setInterval(() => { throw new Error("tick"); }, 1);
  export const classify = async () => {
    await new Promise((r) => setTimeout(r, 200));
    return "x";
  };`;
  await using rules = await rulesOf(
    dir.path,
    { "flood.ts": flood },
    problems,
    () => problems.length === REPORTS_PER_WINDOW && full.resolve(),
  );
  await deadline(full.promise, "the first reports", 15_000);
  assert.equal((await rules.classify(INPUT))?.category, "x");
  assert.equal((await rules.classify(INPUT))?.category, "x");
  assert.equal(problems.length, REPORTS_PER_WINDOW);
  assert.match(problems[0], /outside classify\(\).*tick/s);
});
