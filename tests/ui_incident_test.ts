// The incident page in headless chromium, with a real sidecar behind it:
// header card, counts, the timeline and its filters, links and keys.
import assert from "node:assert/strict";
import { hasChromium } from "./_cdp.ts";
import { startViewer } from "./_viewer.ts";

Deno.test({
  name: "mountIncident shows an incident as a timeline in chromium",
  ignore: !hasChromium(),
  async fn(t) {
    await using v = await startViewer();
    const page = await v.page();
    await page.goto(`${v.url}/incidents/${v.shop}`);
    await page.waitForSelector(".timeline .row");

    await t.step(
      "the header card names the app, pid and versions",
      async () => {
        const card = await page.evaluate<string>(
          `document.querySelector(".card[aria-label='incident header']").innerText`,
        );
        assert.match(card, /payment provider timed out after 3000 ms/);
        assert.match(card, /app\s+shop/);
        assert.match(card, /pid\s+\d+/);
        assert.match(card, /shop 1\.4\.2/);
        const counts = await page.evaluate<string>(
          `document.querySelector(".counts").innerText`,
        );
        assert.match(counts, /SCARY\s+1/);
        assert.match(counts, /NOISY\s+20/);
      },
    );

    await t.step("the trigger row is highlighted, at 0.000 s", async () => {
      const trig = await page.evaluate<string>(
        `document.querySelector(".timeline .row.trigger").innerText`,
      );
      assert.match(trig, /TRIGGER/);
      assert.match(trig, /0\.000 s/);
      assert.match(trig, /SCARY/);
      assert.match(trig, /payment provider timed out after 3000 ms/);
      assert.equal(await page.count(".timeline .row.trigger"), 1);
    });

    await t.step(
      "events before it are negative, trailing ones set apart",
      async () => {
        assert.equal(await page.count(".timeline .row.separator"), 1);
        const trailing = await page.evaluate<string[]>(
          `[...document.querySelectorAll(".timeline .row.trailing")].map((r) => r.innerText)`,
        );
        assert.ok(
          trailing.some((t) => /503 for POST \/order 1042/.test(t)),
          trailing.join("\n"),
        );
        const first = await page.evaluate<string>(
          `document.querySelector(".timeline .row:not(.separator) .rel").textContent`,
        );
        await page.evaluate(
          `document.querySelector(".timeline").scrollTop = 0`,
        );
        await page.waitFor(
          `document.querySelector(".timeline .row[data-row='0']")`,
        );
        const top = await page.evaluate<string>(
          `document.querySelector(".timeline .row[data-row='0'] .rel").textContent`,
        );
        assert.match(top, /^-\d+\.\d{3} s$/, `${first} / ${top}`);
        await page.press("t");
        await v.shot(page, "incident");
      },
    );

    await t.step(
      "a level filter hides rows, and says how many are left",
      async () => {
        await page.select("select[name=level]", "23");
        await page.waitFor(
          `document.querySelector(".filters .count").textContent.startsWith("3 of")`,
        );
        const levels = await page.evaluate<string[]>(
          `[...document.querySelectorAll(".timeline .row:not(.separator) .lv")].map((e) => e.textContent)`,
        );
        assert.deepEqual(levels.sort(), ["INFREQUENT", "SCARY", "UNUSUAL"]);
      },
    );

    await t.step("search marks the matches in the text", async () => {
      await page.goto(`${v.url}/incidents/${v.shop}`);
      await page.waitForSelector(".timeline .row");
      await page.press("/");
      await page.type("order");
      await page.waitFor(
        `document.querySelectorAll(".timeline .row mark").length === 2`,
      );
      assert.match(
        await page.evaluate<string>(
          `document.querySelector(".filters .count").textContent`,
        ),
        /^2 of 47 events/,
      );
    });

    await t.step(
      "#num selects an event; its failure, fields and parent show",
      async () => {
        await page.goto(`${v.url}/incidents/${v.shop}#43`);
        await page.waitForSelector(".detail .failure");
        const detail = await page.evaluate<string>(
          `document.querySelector(".detail").innerText`,
        );
        assert.match(detail, /provider unreachable/);
        assert.match(detail, /socket hang up/);
        assert.match(detail, /why\s+charge failed/);
        assert.match(detail, /Parent: #42 charging 12\.5 EUR/);
        await v.shot(page, "incident-event");
      },
    );

    await t.step(
      "j, k and t move the selection; p goes to the parent",
      async () => {
        await page.press("j");
        await page.waitFor(`location.hash === "#44"`);
        await page.press("k");
        await page.press("k");
        await page.waitFor(`location.hash === "#42"`);
        await page.press("p");
        await page.waitFor(`location.hash === "#40"`);
        const children = await page.evaluate<string>(
          `document.querySelector(".detail ul.tree").innerText`,
        );
        assert.match(children, /pool is 93% used/);
        assert.match(children, /payment provider timed out/);
        await page.press("t");
        await page.waitFor(`location.hash === "#44"`);
      },
    );

    await t.step("an Error among the fields shows as a failure", async () => {
      await page.goto(`${v.url}/incidents/${v.shop}#45`);
      await page.waitFor(
        `location.hash === "#45" && document.querySelector(".detail dl.fields .failure")`,
      );
      assert.match(
        await page.evaluate<string>(
          `document.querySelector(".detail dl.fields").innerText`,
        ),
        /upstream\s+⚠ Error\("gateway timeout from the provider"\)/,
      );
    });

    await t.step("the download link serves the .flog.gz", async () => {
      const href = await page.evaluate<string>(
        `document.querySelector("a[download]").href`,
      );
      const bytes = await page.evaluate<number[]>(
        `fetch(document.querySelector("a[download]").href).then((r) => r.arrayBuffer()).then((b) => [...new Uint8Array(b).slice(0, 2)])`,
      );
      assert.match(href, /\/v1\/incidents\/incident-.*\.flog\.gz$/);
      assert.deepEqual(bytes, [0x1f, 0x8b]);
    });

    await t.step("dark and narrow", async () => {
      const dark = await v.page({ dark: true });
      await dark.goto(`${v.url}/incidents/${v.shop}#43`);
      await dark.waitForSelector(".detail .failure");
      await v.shot(dark, "incident-dark");
      const narrow = await v.page({ width: 420 });
      await narrow.goto(`${v.url}/incidents/${v.shop}`);
      await narrow.waitForSelector(".timeline .row.trigger");
      const overflow = await narrow.evaluate<boolean>(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth",
      );
      assert.equal(overflow, false);
      await v.shot(narrow, "incident-narrow");
      assert.deepEqual([...dark.errors, ...narrow.errors], []);
    });

    await t.step("nothing failed in the page", () => {
      assert.deepEqual(page.errors, []);
    });
  },
});
