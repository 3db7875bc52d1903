import assert from "node:assert/strict";
import { createLogger, Level } from "../mod.ts";
import { hasFlogtool, ROOT, runDeno, tempDir } from "./_util.ts";

Deno.test({
  name: "flogtool dumps our incident once gunzipped, as our dump does",
  ignore: !hasFlogtool(),
  async fn() {
    await using dir = await tempDir();
    await using log = createLogger({
      incidentDir: dir.path,
      trailingMs: 0,
      app: "interop",
    });
    log.info("ünïcödé {who} 100%", { who: "Zoë 🦕" });
    log.err(new Error("kaput"), { level: Level.WEIRD });
    await log.close();
    const gz = log.incidents[0].path;
    const plain = gz.replace(/\.gz$/, "");
    const text = await new Response(
      (await Deno.open(gz)).readable.pipeThrough(
        new DecompressionStream("gzip"),
      ),
    ).text();
    await Deno.writeTextFile(plain, text);
    const out = await new Deno.Command("/usr/bin/flogtool", {
      args: ["dump", "-t", "epoch", plain],
      env: { TZ: "UTC" },
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(stdout, /PID: \d+/);
    assert.match(stdout, /local#0 \d+\.\d{3}: ünïcödé Zoë 🦕 100%/);
    assert.match(
      stdout,
      /local#1 \d+\.\d{3}: Error: kaput \[INCIDENT-TRIGGER\]/,
    );
    assert.match(stdout, / FAILURE:\n Error: kaput\n\s+at /);
    // And our dump agrees with flogtool's, line for line.
    const ours = await runDeno([
      "run",
      "--allow-read",
      `${ROOT}cli/flightlog.ts`,
      "dump",
      "--flogtool",
      "-t",
      "epoch",
      gz,
    ], {
      env: { TZ: "UTC" },
    });
    assert.equal(ours.stdout, stdout);
  },
});
