// The group page and the failure-first incident page in headless chromium,
// with a real sidecar behind them: the problem's error, counts and chart,
// releases, apps and hosts, history, resolving in a release from the page.
import assert from "node:assert/strict";
import { hasChromium } from "./_cdp.ts";
import { startViewer } from "./_viewer.ts";
import { ROOT, runDeno } from "./_util.ts";
import { writeShopIncident } from "./_incidents.ts";

const text = (selector: string) =>
  `document.querySelector(${JSON.stringify(selector)})?.innerText ?? ""`;

Deno.test({
  name: "the group page and the failure-first incident page in chromium",
  ignore: !hasChromium(),
  async fn(t) {
    await using v = await startViewer();
    const { groups } = await (await v.get("/v1/groups")).json();
    const id = groups[0].id as string;
    const page = await v.page({ width: 1100 });

    await t.step(
      "the incident page leads with the failure, no click needed",
      async () => {
        await page.goto(`${v.url}/incidents/${v.shop}`);
        await page.waitForSelector(".failure-card");
        const card = await page.evaluate<string>(text(".failure-card"));
        assert.match(card, /Error: provider unreachable/);
        assert.match(card, /Caused by[\s\S]*Error: socket hang up/);
        assert.match(card, /_incidents\.ts:\d+:\d+/, "an in-app frame");
        assert.match(card, /why\s+charge failed/, "the event's context");
        // Above the header card and the timeline, which still opens on the trigger.
        assert.ok(
          await page.evaluate<boolean>(
            `document.querySelector(".failure-card").compareDocumentPosition(document.querySelector(".timeline")) & Node.DOCUMENT_POSITION_FOLLOWING`,
          ),
        );
        await page.waitForSelector(".timeline .row.trigger");
        await v.shot(page, "incident-failure");
      },
    );

    await t.step("the incident links its group's page", async () => {
      await page.evaluate(`document.querySelector(".group-link a").click()`);
      await page.waitForSelector("dl.stats");
      assert.equal(
        await page.evaluate<string>("location.pathname"),
        `/groups/${id}`,
      );
    });

    await t.step(
      "more of the same bug arrive, from two apps and releases",
      async () => {
        const dir = await Deno.makeTempDir();
        try {
          for (
            const [app, release] of [["shop", "1.5.0"], ["shop-eu", "1.5.0"]]
          ) {
            const name = await writeShopIncident(dir, { app, release });
            const pushed = await fetch(`${v.url}/v1/incidents?name=${name}`, {
              method: "POST",
              headers: { authorization: `Bearer ${v.token}` },
              body: await Deno.readFile(`${dir}/${name}`),
            });
            assert.equal(pushed.status, 201, await pushed.text());
            await Deno.remove(`${dir}/${name}`);
          }
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
        await page.waitFor(
          `/incidents\\s+3/.test(document.querySelector("dl.stats")?.innerText)`,
        );
      },
    );

    await t.step(
      "the group page shows the error, counts, releases, apps and history",
      async () => {
        await page.waitForSelector(".failure-card");
        assert.match(
          await page.evaluate<string>(text("h1")),
          /payment provider timed out after \{ms\} ms/,
        );
        assert.match(
          await page.evaluate<string>(text(".failure-card")),
          /Error: provider unreachable/,
        );
        const stats = await page.evaluate<string>(text("dl.stats"));
        assert.match(stats, /incidents\s+3/);
        assert.match(stats, /last 24 h\s+3/);
        assert.match(stats, /first release\s+1\.4\.2/);
        assert.match(
          await page.evaluate<string>(text(".breakdown")),
          /1\.4\.2\s+1\s+1\.5\.0\s+2[\s\S]*shop\s+2\s+shop-eu\s+1/,
        );
        assert.equal(await page.count("svg.chart rect.bar"), 48);
        assert.match(
          await page.evaluate<string>(text("ol.history")),
          /first seen/,
        );
        assert.equal(await page.count("tr.incident a"), 3);
      },
    );

    await t.step("the chart shows days too", async () => {
      await page.evaluate(
        `[...document.querySelectorAll(".seg button")].find((b) => b.textContent === "7 days").click()`,
      );
      await page.waitFor(
        `document.querySelectorAll("svg.chart rect.bar").length === 7`,
      );
    });

    await t.step(
      "resolving in a release from the page records it, with who",
      async () => {
        await page.evaluate(
          `document.querySelector("input[name=inRelease]").focus()`,
        );
        await page.type("2.0.0");
        await page.press("Enter");
        await page.waitFor(
          `document.querySelector(".group-tags")?.innerText.includes("resolved in 2.0.0")`,
        );
        const g = await (await v.get(`/v1/groups/${id}`)).json();
        assert.equal(g.group.status, "resolved");
        assert.equal(g.group.resolvedIn, "2.0.0");
        assert.match(g.history[0].by, /^session [0-9a-f]{8}$/);
        assert.match(
          await page.evaluate<string>(text("ol.history")),
          /resolved in 2\.0\.0 by session/,
        );
        await v.shot(page, "group");
      },
    );

    await t.step(
      "keys: o reopens, j moves to the latest incident",
      async () => {
        await page.evaluate(`document.activeElement?.blur()`);
        await page.press("o");
        await page.waitFor(
          `document.querySelector(".group-tags")?.innerText.startsWith("open")`,
        );
        await page.press("j");
        assert.equal(
          await page.evaluate<string>(
            `document.activeElement?.closest("tr")?.className ?? ""`,
          ),
          "incident",
        );
      },
    );

    await t.step(
      "a subprocess app's in-app frame shows its source lines",
      async () => {
        const dir = await Deno.makeTempDir();
        try {
          const run = await runDeno([
            "run",
            `--allow-read=${ROOT},${dir}`,
            `--allow-write=${dir}`,
            "--allow-sys",
            "--allow-env",
            `${ROOT}tests/apps/charging_app.ts`,
            dir,
          ]);
          assert.equal(run.code, 0, run.stderr);
          const path = run.stdout.trim();
          const name = path.slice(path.lastIndexOf("/") + 1);
          const pushed = await fetch(`${v.url}/v1/incidents?name=${name}`, {
            method: "POST",
            headers: { authorization: `Bearer ${v.token}` },
            body: await Deno.readFile(path),
          });
          assert.equal(pushed.status, 201, await pushed.text());
          await page.goto(`${v.url}/incidents/${name}`);
          await page.waitForSelector(".failure-card ol.source li.at");
          assert.match(
            await page.evaluate<string>(text(".failure-card")),
            /Error: card declined for order 17/,
          );
          assert.match(
            await page.evaluate<string>(text(".failure-card ol.source li.at")),
            /throw new Error\(`card declined/,
          );
          assert.doesNotMatch(
            await page.evaluate<string>(text(".failure-card")),
            /sk_live_/,
          );
          await v.shot(page, "incident-source");
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    );

    await t.step("nothing failed in the page", () => {
      assert.deepEqual(page.errors, []);
    });
  },
});
