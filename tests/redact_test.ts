import assert from "node:assert/strict";
import { redactionRules } from "../lib/redact.ts";
import { fieldPreparer } from "../lib/_fields.ts";

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
