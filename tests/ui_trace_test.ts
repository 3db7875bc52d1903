// Trace ids in the viewer, in headless chromium: `flightlog web --trace-url`
// on an incident whose events carry a trace id.
import assert from "node:assert/strict";
import { createLogger, withContext } from "../mod.ts";
import { Browser, hasChromium } from "./_cdp.ts";
import { Proc, ROOT, tempDir } from "./_util.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

Deno.test({
  name:
    "the viewer links the header's and the event's trace id through --trace-url",
  ignore: !hasChromium(),
  async fn() {
    await using dir = await tempDir();
    const log = createLogger({ incidentDir: dir.path, trailingMs: 0 });
    withContext({ trace_id: TRACE, span_id: "00f067aa0ba902b7" }, () => {
      log.info("charging the card");
      log.weird("card declined");
    });
    await log.close();
    const proc = new Proc([
      "run",
      "-A",
      `${ROOT}cli/flightlog.ts`,
      "web",
      "--trace-url",
      "https://tempo.example/trace/{trace_id}",
      log.incidents[0].path,
    ]);
    try {
      const login = await proc.waitFor("flightlog web: ", 60_000);
      const incident = (await proc.waitFor("  ")).split(": ")[1];
      await using browser = await Browser.launch();
      const page = await browser.newPage();
      await page.goto(login);
      await page.goto(incident);
      await page.waitForSelector(".trace-line a.trace");
      assert.equal(
        await page.evaluate<string>(
          `document.querySelector(".trace-line a.trace").href`,
        ),
        `https://tempo.example/trace/${TRACE}`,
      );
      await page.press("t"); // select the trigger: its detail shows
      await page.waitForSelector(".detail .when a.trace");
      assert.equal(
        await page.evaluate<string>(
          `document.querySelector(".detail .when a.trace").textContent`,
        ),
        TRACE,
      );
    } finally {
      await proc.stop("SIGINT");
    }
  },
});
