// Seeded fuzzing of what a client chooses: the query parameters of the
// list routes (a NUL in `q=` among them), the login form's `next`, and a
// rule's answer. Every input ends in an answer, never a 500; `next` never
// leads off-site; an answer is taken only within its caps.
// A failure names its seed: FLIGHTLOG_SEED=<seed> reruns it.
import assert from "node:assert/strict";
import {
  checkAnswer,
  MAX_CATEGORY,
  MAX_FINGERPRINT,
  MAX_TITLE,
} from "../gather/_rule_answer.ts";
import { forAll, Prng } from "./_prng.ts";
import { baseName, makeIncident, testApi, TOKEN } from "./_server_util.ts";
import { deadline, tempDir } from "./_util.ts";

const RUNS = 10_000;
const SEED = new Prng().seed;
console.log(`fuzz seed: FLIGHTLOG_SEED=${SEED}`);
const replay = `(FLIGHTLOG_SEED=${SEED})`;
const BASE = "http://127.0.0.1:7477";

/** Characters a hostile client likes: controls, quotes, FTS syntax, non-ASCII. */
const NASTY = [
  "\0",
  "\t",
  "\r",
  "\n",
  "\x01",
  "\x1f",
  "\x7f",
  "\u0085",
  "\u2028",
  "\ud800",
  '"',
  "'",
  "*",
  "(",
  ")",
  ":",
  "^",
  "-",
  "+",
  "%",
  "\\",
  "/",
  "?",
  "#",
  "&",
  "=",
  ";",
  " ",
  "é",
  "😀",
  "NEAR",
  "AND",
  "OR",
  "NOT",
  "a",
  "b",
  "disk",
  "x".repeat(300),
];

function nasty(rng: Prng, max: number): string {
  let s = "";
  for (let i = rng.int(0, max); i > 0; i--) s += rng.pick(NASTY);
  return s;
}

Deno.test("GET list routes answer 10,000 fuzzed query strings without a 500", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const p = await makeIncident(`${dir.path}/src`, {
    template: "disk %(pct)d full",
  });
  await t.store.import(baseName(p), await Deno.readFile(p));
  const paths = ["/v1/incidents", "/v1/groups"];
  const params = [
    "q",
    "app",
    "category",
    "group",
    "since",
    "limit",
    "after",
    "status",
    "sort",
    "level",
    "facility",
    "name",
    "format",
  ];
  const urls: string[] = [];
  forAll(RUNS, (rng) => {
    const search = new URLSearchParams();
    for (let i = rng.int(1, 3); i > 0; i--) {
      search.append(rng.pick(params), nasty(rng, 6));
    }
    urls.push(`${rng.pick(paths)}?${search}`);
  }, SEED);
  await deadline(
    (async () => {
      for (const url of urls) {
        const res = await t.fetch(url);
        await res.body?.cancel();
        assert(res.status < 500, `${res.status} for GET ${url} ${replay}`);
      }
    })(),
    "fuzzing query strings",
    240_000,
  );
});

Deno.test("q= with a NUL or another control character searches the words around it", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const p = await makeIncident(`${dir.path}/src`, {
    template: "disk full on volume",
  });
  await t.store.import(baseName(p), await Deno.readFile(p));
  for (const q of ["disk%00full", "%00", "disk%01volume", "%7Fdisk"]) {
    const res = await t.fetch(`/v1/incidents?q=${q}`);
    assert.equal(res.status, 200, q);
    const { incidents } = await res.json();
    assert.equal(incidents.length, q === "%00" ? 0 : 1, q);
  }
});

/** Posts the login form with `next`; the redirect's Location. */
async function loginTo(
  t: Awaited<ReturnType<typeof testApi>>,
  next: string,
): Promise<{ status: number; location: string | null }> {
  const body = new URLSearchParams({ token: TOKEN, next });
  const res = await t.api.handle(
    new Request(`${BASE}/login`, {
      method: "POST",
      headers: {
        origin: BASE,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: body.toString(),
    }),
  );
  await res.body?.cancel();
  return { status: res.status, location: res.headers.get("location") };
}

/** Whether a browser at BASE following `location` stays on BASE. */
function staysHere(location: string): boolean {
  // Browsers drop TAB, CR and LF from URLs before parsing.
  return new URL(location.replace(/[\t\r\n]/g, ""), BASE).origin === BASE;
}

Deno.test("The login form's next with a TAB, CR or LF goes to /, not another site and not a 500", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  for (const next of ["/\t/evil.example/", "/\r\n/x", "/a\nb", "/\\evil"]) {
    const { status, location } = await loginTo(t, next);
    assert.equal(status, 303, JSON.stringify(next));
    assert.equal(location, "/", JSON.stringify(next));
  }
  assert.equal((await loginTo(t, "/incidents?q=x")).location, "/incidents?q=x");
  assert.equal((await loginTo(t, "/é")).location, "/%C3%A9");
});

Deno.test("The login form's next, fuzzed 10,000 times, always leads to a local path", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const nexts: string[] = [];
  forAll(RUNS, (rng) => {
    const start = rng.pick([
      "/",
      "//",
      "/\t/",
      "",
      "http://evil/",
      "/\\",
      "\\",
    ]);
    nexts.push(start + nasty(rng, 5));
  }, SEED);
  await deadline(
    (async () => {
      for (const next of nexts) {
        const { status, location } = await loginTo(t, next);
        const what = `${JSON.stringify(next)} ${replay}`;
        assert.equal(status, 303, what);
        assert.ok(location !== null && location.startsWith("/"), what);
        assert.ok(!/[\p{Cc}]/u.test(location), what);
        assert.ok(staysHere(location), `${what} → ${location}`);
      }
    })(),
    "fuzzing next",
    240_000,
  );
});

Deno.test("checkAnswer() takes only answers within their caps, and throws nothing else, on 10,000 values", () => {
  const texts = (rng: Prng) =>
    rng.pick<unknown>([
      undefined,
      null,
      "",
      "ok",
      42,
      true,
      [],
      {},
      "x".repeat(rng.int(100, 2000)),
      nasty(rng, 4),
    ]);
  forAll(RUNS, (rng) => {
    const value: unknown = rng.pick<() => unknown>([
      () => texts(rng),
      () => ({ category: texts(rng), title: texts(rng) }),
      () => ({ category: texts(rng), fingerprint: texts(rng) }),
      () => ({ category: "c", [nasty(rng, 2)]: texts(rng) }),
      () => Object.create({ category: "inherited" }),
      () => [texts(rng)],
    ])();
    let answer;
    try {
      answer = checkAnswer(value);
    } catch (e) {
      assert.ok(e instanceof TypeError || e instanceof RangeError, String(e));
      return;
    }
    if (answer === undefined) return assert.equal(value, undefined);
    assert.equal(typeof answer.category, "string");
    assert.ok(answer.category.length > 0);
    assert.ok(answer.category.length <= MAX_CATEGORY);
    assert.ok((answer.title?.length ?? 0) <= MAX_TITLE);
    assert.ok((answer.fingerprint?.length ?? 0) <= MAX_FINGERPRINT);
    assert.deepEqual(
      Object.keys(answer).filter((k) =>
        !["category", "title", "fingerprint"].includes(k)
      ),
      [],
    );
  });
});
