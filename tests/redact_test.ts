import assert from "node:assert/strict";
import { redactionRules } from "../lib/redact.ts";
import { fieldPreparer } from "../lib/_fields.ts";
import { luhn } from "../lib/_scrubbers.ts";
import { forAll, type Prng } from "./_prng.ts";

const prepare = fieldPreparer(redactionRules());

Deno.test("redactionRules() matches default keys in any case, with - or _, inside longer keys", () => {
  const rules = redactionRules();
  for (
    const key of [
      "password",
      "DB_PASSWORD",
      "apiKey",
      "api-key",
      "Set-Cookie",
      "x_access_token",
      "clientSecret",
    ]
  ) {
    assert(rules.isSecretKey(key), key);
  }
  for (const key of ["user", "path", "status", "passage"]) {
    assert(!rules.isSecretKey(key), key);
  }
});

Deno.test("redactionRules() replaces Bearer and Basic values and URL passwords inside strings", () => {
  const { redactString } = redactionRules();
  assert.equal(
    redactString("Authorization: Bearer eyJ.a-b_c"),
    "Authorization: Bearer [REDACTED]",
  );
  assert.equal(redactString("basic dXNlcjpwYXNz=="), "basic [REDACTED]");
  assert.equal(
    redactString("see https://bob:s3cr3t@example.com/x"),
    "see https://bob:[REDACTED]@example.com/x",
  );
  assert.equal(redactString("mail bob@example.com"), "mail bob@example.com");
});

Deno.test("redactionRules() takes extra keys, patterns and a replacement; defaults: false drops ours", () => {
  const rules = redactionRules({
    keys: ["ssn"],
    patterns: [/\d{4}-\d{4}/],
    replace: "***",
  });
  assert(rules.isSecretKey("user_ssn"));
  assert(rules.isSecretKey("password"));
  assert.equal(rules.redactString("card 1234-5678"), "card ***");
  const only = redactionRules({ keys: ["ssn"], defaults: false });
  assert(!only.isSecretKey("password"));
});

Deno.test("fieldPreparer() redacts nested keys and strings without touching the caller's objects", () => {
  const input = {
    user: "alice",
    db: { url: "pg://app:pw@db/x", creds: [{ token: "t" }] },
  };
  const out = prepare.fields(input);
  assert.deepEqual(out, {
    user: "alice",
    db: { url: "pg://app:[REDACTED]@db/x", creds: [{ token: "[REDACTED]" }] },
  });
  assert.equal(input.db.creds[0].token, "t");
});

Deno.test("fieldPreparer() returns the same object when nothing needs redacting", () => {
  const input = { user: "alice", n: 3, nested: { ok: true } };
  assert.equal(prepare.fields(input), input);
});

Deno.test("fieldPreparer() stores an Error field as a failure, redacted too", () => {
  const out = prepare.fields({ err: new Error("GET https://u:pw@h/ failed") });
  const failure = out.err as Record<string, unknown>;
  assert.equal(failure["@"], "Failure");
  assert.equal(failure.message, "GET https://u:[REDACTED]@h/ failed");
});

Deno.test("fieldPreparer() renames fields named like the event's own keys", () => {
  assert.deepEqual(prepare.fields({ time: 3, user: "a" }), {
    _time: 3,
    user: "a",
  });
});

Deno.test("fieldPreparer() stops at a bounded depth", () => {
  let deep: Record<string, unknown> = { password: "x" };
  for (let i = 0; i < 20; i++) deep = { next: deep };
  assert.doesNotThrow(() => prepare.fields(deep));
});

Deno.test("fieldPreparer(undefined) keeps secrets but still converts errors", () => {
  const none = fieldPreparer(undefined);
  const out = none.fields({ password: "x", e: new TypeError("t") });
  assert.equal(out.password, "x");
  assert.equal((out.e as { name: string }).name, "TypeError");
});

Deno.test("redactionRules() masks card numbers that pass Luhn's check, with spaces or dashes, and leaves other numbers", () => {
  const { redactString } = redactionRules();
  assert.equal(
    redactString("charging 500 on card 4111 1111 1111 1111"),
    "charging 500 on card [REDACTED]",
  );
  assert.equal(redactString("card=5500-0000-0000-0004."), "card=[REDACTED].");
  assert.equal(redactString("amex 378282246310005 ok"), "amex [REDACTED] ok");
  // Fails Luhn, too short, or a millisecond time: kept.
  assert.equal(
    redactString("id 4111 1111 1111 1112"),
    "id 4111 1111 1111 1112",
  );
  assert.equal(redactString("order 411111111111"), "order 411111111111");
  assert.equal(redactString("at 1733212345678 ms"), "at 1733212345678 ms");
});

Deno.test("redactionRules() masks the well-known scrubbers' credentials inside strings", () => {
  const { redactString } = redactionRules();
  const cases: [string, string][] = [
    ["GET /cb?code=1&token=abc123&x=2", "GET /cb?code=1&token=[REDACTED]&x=2"],
    ["password=hunter2 user=bob", "password=[REDACTED] user=bob"],
    ["s3?X-Amz-Signature=deadbeef", "s3?X-Amz-Signature=[REDACTED]"],
    [
      "key: -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- end",
      "key: -----BEGIN RSA PRIVATE KEY-----[REDACTED] end",
    ],
    [
      "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature-x here",
      "jwt [REDACTED] here",
    ],
    ["aws AKIAIOSFODNN7EXAMPLE", "aws [REDACTED]"],
    ["AKIAABCDEFGHIJKLMNOP", "[REDACTED]"],
    ["g AIzaSyA1234567890abcdefghijklmnopqrstuv", "g [REDACTED]"],
    ["gh ghp_" + "a".repeat(36), "gh [REDACTED]"],
    ["github_pat_" + "A1_".repeat(10), "[REDACTED]"],
    ["slack xoxb-1234567890-abcdef", "slack [REDACTED]"],
    [
      "https://hooks.slack.com/services/T00/B00/XXXX",
      "https://hooks.slack.com/services/[REDACTED]",
    ],
    ["stripe sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "stripe [REDACTED]"],
  ];
  for (const [input, want] of cases) assert.equal(redactString(input), want);
  for (const plain of ["alice", "author=bob", "GET /cart?id=3", "a-b_c"]) {
    assert.equal(redactString(plain), plain);
  }
});

Deno.test("a card number logged in a message or a field never reaches the incident file", async () => {
  const { createLogger } = await import("../lib/create_logger.ts");
  const dir = await Deno.makeTempDir();
  try {
    const log = createLogger({
      incidentDir: dir,
      trailingMs: 0,
      announce: false,
    });
    log.info("charging 500 on card 4111 1111 1111 1111");
    log.error("payment failed", { note: "card 4111-1111-1111-1111 declined" });
    await log.close();
    assert.equal(log.incidents.length, 1);
    const { gunzipSync } = await import("node:zlib");
    const text = new TextDecoder().decode(
      gunzipSync(await Deno.readFile(log.incidents[0].path)),
    );
    assert(text.includes("charging 500 on card [REDACTED]"));
    assert(!/4111.?1111.?1111.?1111/.test(text));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A random card number of `length` digits passing Luhn's check. */
function cardNumber(rng: Prng, length: number): string {
  const digits = [rng.int(2, 6)];
  while (digits.length < length - 1) digits.push(rng.int(0, 9));
  // The check digit: the sum with it doubled from the right is 0 mod 10.
  let sum = 0;
  for (
    let i = digits.length - 1, double = true;
    i >= 0;
    i--, double = !double
  ) {
    let d = digits[i] * (double ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  digits.push((10 - (sum % 10)) % 10);
  return digits.join("");
}

Deno.test("property: a Luhn-valid card number with any spaces or dashes, in any text, is masked", () => {
  const { redactString } = redactionRules();
  forAll(500, (rng) => {
    const card = cardNumber(rng, rng.int(13, 19));
    assert(luhn(card), card);
    const sep = rng.chance(0.5) ? "" : rng.chance(0.5) ? " " : "-";
    const written = sep === "" ? card : card.match(/.{1,4}/g)!.join(sep);
    const before = rng.string(rng.int(0, 12), "abc xyz:=,(");
    const after = rng.string(rng.int(0, 12), "abc xyz.,)");
    const text = `${before}${rng.chance(0.5) ? " " : ""}${written} ${after}`;
    const out = redactString(text);
    assert(
      !out.includes(written),
      `${JSON.stringify(text)} -> ${JSON.stringify(out)}`,
    );
    assert(!out.replace(/\D/g, "").includes(card.slice(-8)), out);
  });
});
