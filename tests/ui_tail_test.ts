// The live tail in headless chromium, with a real sidecar and app behind it.
import assert from "node:assert/strict";
import { hasChromium } from "./_cdp.ts";
import { startViewer } from "./_viewer.ts";

Deno.test({
  name: "mountTail follows live events in chromium",
  ignore: !hasChromium(),
  async fn(t) {
    await using v = await startViewer();
    const page = await v.page();
    await page.goto(`${v.url}/tail`);
    await page.waitFor(
      `document.querySelector(".live")?.dataset.state === "live"`,
    );

    await t.step(
      "events arrive as they are logged, with rendered text",
      async () => {
        await v.app.command("log info cart 7 checked out");
        await v.app.command("log warn stock low for sku 42");
        for (
          const line of [
            "log info GET /cart/8 200 in 12 ms",
            "log debug cache hit for user 31",
            "log info POST /order 1043 accepted",
            "log curious retrying payment 1043 (attempt 2)",
            "log info GET /health 200",
          ]
        ) await v.app.command(line);
        await page.waitFor(
          `document.querySelectorAll(".tail .row").length >= 7`,
        );
        const rows = await page.evaluate<string>(
          `document.querySelector(".tail").innerText`,
        );
        assert.match(rows, /OPERATIONAL\s+cart 7 checked out/);
        assert.match(rows, /UNUSUAL\s+stock low for sku 42/);
        await v.shot(page, "tail");
      },
    );

    await t.step("a level filter leaves out the events below it", async () => {
      await page.goto(`${v.url}/tail?level=23`);
      await page.waitFor(
        `document.querySelector(".live")?.dataset.state === "live"`,
      );
      await v.app.command("log info quiet line");
      await v.app.command("log warn loud line");
      await page.waitFor(
        `document.querySelector(".tail").innerText.includes("loud line")`,
      );
      assert.doesNotMatch(
        await page.evaluate<string>(
          `document.querySelector(".tail").innerText`,
        ),
        /quiet line/,
      );
    });

    await t.step("pause holds new events until resume", async () => {
      await page.evaluate(`document.querySelector("button.pause").click()`);
      await v.app.command("log warn held while paused");
      await page.waitFor(
        `document.querySelector(".filters .count").textContent.startsWith("paused: 1 new")`,
      );
      assert.doesNotMatch(
        await page.evaluate<string>(
          `document.querySelector(".tail").innerText`,
        ),
        /held while paused/,
      );
      await page.evaluate(`document.querySelector("button.pause").click()`);
      await page.waitFor(
        `document.querySelector(".tail").innerText.includes("held while paused")`,
      );
    });

    await t.step("nothing failed in the page", () => {
      assert.deepEqual(page.errors, []);
    });
  },
});
