import assert from "node:assert/strict";
import { listIncidents } from "../mod.ts";
import { readIncident, ROOT, tempDir } from "./_util.ts";

for (const how of ["throw", "reject"]) {
  Deno.test(`installGlobalHandlers() turns an uncaught ${how} into a BAD incident before exit`, async () => {
    await using dir = await tempDir();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}tests/apps/uncaught.ts`, dir.path, how],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 1);
    const stderr = new TextDecoder().decode(out.stderr);
    // Printed as Deno prints an uncaught error: kind, stack, nothing doubled.
    assert.match(
      stderr,
      how === "throw"
        ? /^error: Uncaught TypeError: nobody caught this\n\s+at /m
        : /^error: Uncaught \(in promise\) RangeError: nobody caught this promise\n\s+at /m,
    );
    const [incident] = await listIncidents(dir.path);
    assert.ok(
      incident?.complete,
      "the incident was finished, not left for recovery",
    );
    const { header, events } = await readIncident(incident.path);
    assert.equal(header.trigger!.level, 40);
    assert.equal(header.trigger!.isError, 1);
    assert.equal(events[0].d.format, "about to fail");
    if (how === "throw") {
      assert.match(
        String(header.trigger!.why),
        /^Uncaught TypeError: nobody caught this/,
      );
      assert.match(
        header.trigger!.failure!.str,
        /Caused by: Error: root cause/,
      );
    } else {
      assert.match(
        String(header.trigger!.why),
        /^Uncaught \(in promise\) RangeError: nobody caught this promise/,
      );
    }
  });
}
