// `flightlog web` in headless chromium: foolscap's own incident, and one of
// 100,000 events, served from files with no sidecar.
import assert from "node:assert/strict";
import { Browser, hasChromium } from "./_cdp.ts";
import { writeBigIncident } from "./_incidents.ts";
import { FIXTURE, Proc, ROOT, tempDir } from "./_util.ts";
import { shot } from "./_viewer.ts";

/** Runs `flightlog web` on `paths`; returns it, its login link and pages. */
async function web(...paths: string[]) {
  const proc = new Proc([
    "run",
    "-A",
    `${ROOT}cli/flightlog.ts`,
    "web",
    ...paths,
  ]);
  const login = await proc.waitFor("flightlog web: ", 60_000);
  const pages = [];
  for (let i = 0; i < paths.length; i++) {
    pages.push((await proc.waitFor("  ")).split(": ")[1]);
  }
  return { proc, login, pages };
}

Deno.test({
  name: "web serves foolscap's incident and a 100,000-event one to chromium",
  ignore: !hasChromium(),
  async fn(t) {
    await using dir = await tempDir();
    const big = await writeBigIncident(dir.path, 100_000);
    const { proc, login, pages } = await web(FIXTURE, `${dir.path}/${big}`);
    await using browser = await Browser.launch();
    try {
      const page = await browser.newPage();
      await page.goto(login);

      await t.step(
        "foolscap's incident: trigger, text, trailing events",
        async () => {
          await page.goto(pages[0]);
          await page.waitForSelector(".timeline .row.trigger");
          const trig = await page.evaluate<string>(
            `document.querySelector(".timeline .row.trigger").innerText`,
          );
          assert.match(trig, /WEIRD/);
          assert.match(trig, /disk \/dev\/sda1 is 97% full/);
          assert.match(
            await page.evaluate<string>(
              `document.querySelector(".counts").innerText`,
            ),
            /NOISY\s+107/,
          );
          assert.equal(await page.count(".timeline .row.separator"), 1);
          await page.evaluate(
            `document.querySelector(".timeline").scrollTop = 1e9`,
          );
          await page.waitFor(
            `document.querySelector(".timeline").innerText.includes("second warning while recording")`,
          );
          const fresh = await browser.newPage();
          await fresh.goto(pages[0]);
          await fresh.waitForSelector(".timeline .row.trigger");
          await shot(fresh, "web-foolscap");
          await fresh.close();
        },
      );

      await t.step(
        "100,000 events: only the rows in view are in the page",
        async () => {
          await page.goto(pages[1]);
          await page.waitForSelector(".timeline .row.trigger", 60_000);
          assert.match(
            await page.evaluate<string>(
              `document.querySelector(".filters .count").textContent`,
            ),
            /^100001 of 100001 events/,
          );
          assert.ok((await page.count(".timeline .row")) < 200);
          await page.evaluate(
            `document.querySelector(".timeline").scrollTop = 0`,
          );
          await page.waitFor(
            `document.querySelector(".timeline .row[data-row='0']")`,
          );
          assert.match(
            await page.evaluate<string>(
              `document.querySelector(".timeline .row[data-row='0']").innerText`,
            ),
            /request 0 started/,
          );
          assert.ok((await page.count(".timeline .row")) < 200);
        },
      );

      await t.step(
        "100,000 events: a facility filter and a search",
        async () => {
          await page.select("select[name=facility]", "net");
          await page.waitFor(
            `document.querySelector(".filters .count").textContent.startsWith("40000 of")`,
          );
          await page.press("/");
          await page.type("step 99991 ");
          await page.waitFor(
            `document.querySelector(".filters .count").textContent.startsWith("1 of")`,
          );
          assert.equal(await page.count(".timeline .row mark"), 1);
        },
      );

      await t.step("nothing failed in the page", () => {
        assert.deepEqual(page.errors, []);
      });
    } finally {
      assert.equal((await proc.stop("SIGINT")).code, 0);
    }
  },
});
