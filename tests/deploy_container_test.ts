// deploy/Containerfile is not built here (no container runtime): this checks
// what can be checked without one, that it bundles with `deno task bundle`
// and runs the bundle with exactly the binary's permissions.
import assert from "node:assert/strict";
import { COMPILE_PERMISSIONS } from "../tools/compile.ts";
import { ROOT } from "./_util.ts";

const text = await Deno.readTextFile(`${ROOT}deploy/Containerfile`);

Deno.test("the Containerfile builds the bundle with deno task bundle", async () => {
  assert.match(text, /^RUN deno task bundle$/m);
  const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks;
  assert.match(tasks.bundle, /tools\/bundle\.ts/);
  assert.match(text, /^COPY --from=build \/src\/dist\/flightlog\.js /m);
});

Deno.test("the Containerfile runs the bundle with the binary's permissions, not as root", () => {
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(text);
  assert.ok(entry, "an exec-form ENTRYPOINT");
  assert.deepEqual(JSON.parse(entry[1]), [
    "deno",
    "run",
    ...COMPILE_PERMISSIONS,
    "/app/flightlog.js",
  ]);
  assert.match(text, /^FROM docker\.io\/denoland\/deno:/m);
  assert.match(text, /^USER [1-9]\d*:[1-9]\d*$/m);
});
