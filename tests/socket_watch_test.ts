// Waiting for the app's socket file to appear.
import assert from "node:assert/strict";
import { waitForPath } from "../sidecar/socket_watch.ts";
import { deadline, tempDir } from "./_util.ts";

Deno.test("waitForPath() resolves when the file is created, before its time is up", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/app.sock`;
  const ac = new AbortController();
  let done = false;
  const waiting = waitForPath(path, { ms: 60_000, signal: ac.signal }).then(
    () => done = true,
  );
  await Deno.writeTextFile(path, "");
  try {
    await deadline(waiting, "the creation to be seen");
  } finally {
    ac.abort(); // on failure: end the wait so that the test does not leak it
  }
  assert.equal(done, true);
});

Deno.test("waitForPath() resolves when its signal aborts", async () => {
  await using dir = await tempDir();
  const ac = new AbortController();
  const waiting = waitForPath(`${dir.path}/never`, {
    ms: 60_000,
    signal: ac.signal,
  });
  ac.abort();
  await deadline(waiting, "the abort");
});

Deno.test("waitForPath() resolves after ms when the folder does not exist", async () => {
  await using dir = await tempDir();
  await deadline(
    waitForPath(`${dir.path}/missing/app.sock`, {
      ms: 10,
      signal: new AbortController().signal,
    }),
    "the timeout",
  );
});
