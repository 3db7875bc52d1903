// The groups (home) and incidents pages in headless chromium, with a real
// sidecar behind them.
import assert from "node:assert/strict";
import { hasChromium } from "./_cdp.ts";
import { startViewer } from "./_viewer.ts";

Deno.test({
  name:
    "mountIncidents and mountGroups show incidents, filtered and live, in chromium",
  ignore: !hasChromium(),
  async fn(t) {
    await using v = await startViewer();
    const page = await v.page();

    await t.step(
      "home shows the server's groups, each linked to its page and its incidents",
      async () => {
        assert.equal((await v.get("/v1/groups")).status, 200);
        await page.waitForSelector("tr.group");
        assert.equal(await page.evaluate("location.pathname"), "/");
        const href = await page.evaluate<string>(
          `document.querySelector("tr.group a").getAttribute("href")`,
        );
        assert.match(href, /^\/groups\/[0-9a-f]{16}$/);
        assert.match(
          await page.evaluate<string>(
            `document.querySelector("tr.group td.num a").getAttribute("href")`,
          ),
          /^\/incidents\?group=[0-9a-f]{16}$/,
        );
        await v.shot(page, "home-groups");
      },
    );

    await t.step("Resolve on a group resolves it on the server", async () => {
      const id = await page.evaluate<string>(
        `document.querySelector("tr.group").dataset.id`,
      );
      await page.evaluate(
        `[...document.querySelectorAll("tr.group button")].find((b) => b.textContent === "Resolve").click()`,
      );
      // Resolved, it leaves the page's list of open groups.
      await page.waitFor(
        `!document.querySelector('tr.group[data-id="${id}"]')`,
      );
      const { group } = await (await v.get(`/v1/groups/${id}`)).json();
      assert.equal(group.status, "resolved");
    });

    await t.step("incidents page lists every incident, linked", async () => {
      await page.goto(`${v.url}/incidents`);
      await page.waitForSelector("tr.incident");
      const href = await page.evaluate<string>(
        `document.querySelector("tr.incident a").getAttribute("href")`,
      );
      assert.equal(href, `/incidents/${v.shop}`);
      assert.equal(await page.count("tr.incident"), 1);
    });

    await t.step("a new incident appears live, without a reload", async () => {
      await page.waitFor(
        `document.querySelector(".live")?.dataset.state === "live"`,
      );
      await page.evaluate("globalThis.sameDocument = true");
      await v.app.command("log weird disk quota exceeded on /var");
      await page.waitFor(
        `[...document.querySelectorAll("tr.incident")].some((r) => r.innerText.includes("disk quota exceeded"))`,
        30_000,
      );
      assert.equal(await page.count("tr.incident"), 2);
      assert.equal(await page.evaluate("globalThis.sameDocument"), true);
      await v.shot(page, "incidents");
    });

    await t.step("a level filter hides the rows below it", async () => {
      await page.select("select[name=level]", "35");
      await page.waitFor(
        `document.querySelectorAll("tr.incident").length === 1`,
      );
      const text = await page.evaluate<string>(
        `document.querySelector("tr.incident").innerText`,
      );
      assert.match(text, /SCARY/);
      assert.match(await page.evaluate<string>("location.search"), /level=35/);
    });

    await t.step("search narrows the list and marks the match", async () => {
      await page.goto(`${v.url}/incidents?q=quota`);
      await page.waitForSelector("tr.incident mark");
      assert.equal(await page.count("tr.incident"), 1);
      assert.equal(
        await page.evaluate(
          `document.querySelector("tr.incident mark").textContent`,
        ),
        "quota",
      );
    });

    await t.step(
      "j focuses the next row, Enter opens its incident",
      async () => {
        await page.goto(`${v.url}/incidents`);
        await page.waitForSelector("tr.incident");
        await page.press("j");
        await page.press("j");
        await page.press("k");
        const focused = await page.evaluate<string>(
          `document.activeElement.closest("tr").dataset.name`,
        );
        assert.equal(
          focused,
          await page.evaluate(
            `document.querySelector("tr.incident").dataset.name`,
          ),
        );
        await page.press("Enter");
        await page.waitForSelector(".timeline .row.trigger");
        assert.equal(
          await page.evaluate("location.pathname"),
          `/incidents/${focused}`,
        );
      },
    );

    await t.step("nothing failed in the page", () => {
      assert.deepEqual(page.errors, []);
    });
  },
});
