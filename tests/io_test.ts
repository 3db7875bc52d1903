import assert from "node:assert/strict";
import { writeFileSynced } from "../lib/_io.ts";
import { ls, tempDir } from "./_util.ts";

Deno.test("writeFileSynced() puts the whole file in place and leaves no .tmp", async () => {
  await using dir = await tempDir();
  const bytes = crypto.getRandomValues(new Uint8Array(60_000));
  await writeFileSynced(`${dir.path}/a.bin`, bytes);
  assert.deepEqual(await Deno.readFile(`${dir.path}/a.bin`), bytes);
  assert.deepEqual(await ls(dir.path), ["a.bin"]);
});

Deno.test("writeFileSynced() replaces a stale .tmp left by a crash", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.bin.tmp`, "x".repeat(500));
  await writeFileSynced(`${dir.path}/a.bin`, new Uint8Array([1, 2, 3]));
  assert.deepEqual(
    await Deno.readFile(`${dir.path}/a.bin`),
    new Uint8Array([1, 2, 3]),
  );
  assert.deepEqual(await ls(dir.path), ["a.bin"]);
});

Deno.test("writeFileSynced() into a missing folder throws NotFound and writes nothing", async () => {
  await using dir = await tempDir();
  await assert.rejects(
    writeFileSynced(`${dir.path}/no/a.bin`, new Uint8Array(1)),
    Deno.errors.NotFound,
  );
  assert.deepEqual(await ls(dir.path), []);
});
