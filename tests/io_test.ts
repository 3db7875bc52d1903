import assert from "node:assert/strict";
import { isDiskFull, ReusedEncoder, writeFileSynced } from "../lib/_io.ts";
import { fileOps, ls, tempDir } from "./_util.ts";

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

Deno.test("ReusedEncoder.encode() gives each text's UTF-8 in the same buffer", () => {
  const bytes = new ReusedEncoder();
  const a = bytes.encode("héllo 😀");
  assert.deepEqual(a, new TextEncoder().encode("héllo 😀"));
  const b = bytes.encode("bye");
  assert.equal(b.buffer, a.buffer, "no new buffer");
  assert.equal(new TextDecoder().decode(b), "bye");
});

Deno.test("ReusedEncoder.encode() grows for a huge text whole, then lets that buffer go", () => {
  const bytes = new ReusedEncoder();
  const small = bytes.encode("x");
  const huge = "é".repeat(1_000_000);
  const big = bytes.encode(huge);
  assert.equal(new TextDecoder().decode(big), huge);
  assert.notEqual(big.buffer, small.buffer);
  const after = bytes.encode("y");
  assert.notEqual(after.buffer, big.buffer, "the huge buffer is not kept");
  assert(after.buffer.byteLength <= 64 * 1024);
});

Deno.test("isDiskFull() knows ENOSPC, EDQUOT and SQLite's full disk, and nothing else", () => {
  const withCode = (code: string) =>
    Object.assign(new Error("No space left on device (os error 28)"), { code });
  assert(isDiskFull(withCode("ENOSPC")));
  assert(isDiskFull(withCode("EDQUOT")));
  assert(isDiskFull(new Error("database or disk is full")));
  assert(!isDiskFull(withCode("EACCES")));
  assert(!isDiskFull(new Deno.errors.NotFound("gone")));
  assert(!isDiskFull("ENOSPC"));
});

Deno.test("writeFileSynced() syncs the file, renames it into place, then syncs its folder", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/a.bin`;
  const ops = await fileOps(() => writeFileSynced(path, new Uint8Array(3)));
  assert.deepEqual(ops, [
    `sync ${path}.tmp`,
    `rename ${path}`,
    `sync ${dir.path}`,
  ]);
});

Deno.test("writeFileSynced() takes a folder its file system cannot sync (EINVAL) as synced", async () => {
  await using dir = await tempDir();
  const sync = Deno.FsFile.prototype.sync;
  Deno.FsFile.prototype.sync = async function (this: Deno.FsFile) {
    if ((await this.stat()).isDirectory) {
      throw new Error("Invalid argument (os error 22)");
    }
    return await sync.call(this);
  };
  try {
    await writeFileSynced(`${dir.path}/a.bin`, new Uint8Array([7]));
  } finally {
    Deno.FsFile.prototype.sync = sync;
  }
  assert.deepEqual(
    await Deno.readFile(`${dir.path}/a.bin`),
    new Uint8Array([7]),
  );
});
