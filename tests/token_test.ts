// The bearer token: its file, and the comparison.
import assert from "node:assert/strict";
import { bearerMatches, loadToken, tokenMatches } from "../http/token.ts";
import { tempDir } from "./_util.ts";

Deno.test("loadToken() generates a token into a new file readable by its owner only", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/token`;
  const token = await loadToken(file);
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.equal((await Deno.readTextFile(file)).trim(), token);
  assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
});

Deno.test("loadToken() reads an existing token, trimmed", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/token`;
  await Deno.writeTextFile(file, "  s3cret-token\n");
  assert.equal(await loadToken(file), "s3cret-token");
});

Deno.test("loadToken() replaces an empty file with a new token", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/token`;
  await Deno.writeTextFile(file, "\n");
  assert.match(await loadToken(file), /^[0-9a-f]{64}$/);
});

Deno.test("bearerMatches() accepts exactly Bearer and the token", () => {
  assert.equal(bearerMatches("Bearer abc", "abc"), true);
  assert.equal(bearerMatches("bearer  abc ", "abc"), true);
  for (
    const header of [
      null,
      "",
      "Bearer",
      "Bearer ab",
      "Bearer abcd",
      "Basic abc",
    ]
  ) {
    assert.equal(bearerMatches(header, "abc"), false, String(header));
  }
});

Deno.test("tokenMatches() is true for the token only", () => {
  assert.ok(tokenMatches("s3cret", "s3cret"));
  assert.ok(!tokenMatches("s3cre", "s3cret"));
  assert.ok(!tokenMatches("s3creT", "s3cret"));
  assert.ok(!tokenMatches("", "s3cret"));
});
