// The viewer's login in headless chromium: the one-time link, the form, the
// session cookie, the API's 401 without it, and logout.
import assert from "node:assert/strict";
import { hasChromium } from "./_cdp.ts";
import { startViewer } from "./_viewer.ts";

Deno.test({
  name: "uiRoutes log chromium in and out with a session cookie",
  ignore: !hasChromium(),
  async fn(t) {
    await using v = await startViewer();

    await t.step(
      "without a session the API says 401 and the page goes to /login",
      async () => {
        const res = await fetch(`${v.url}/v1/incidents`);
        assert.equal(res.status, 401);
        await res.body?.cancel();
        const page = await v.browser.newPage();
        await page.goto(`${v.url}/incidents`);
        await page.waitFor(`location.pathname === "/login"`);
        assert.equal(
          await page.evaluate("location.search"),
          "?next=%2Fincidents",
        );
        await page.waitForSelector("input[name=token]");
        await v.shot(page, "login");
      },
    );

    await t.step("the login form sets the cookie and goes back", async () => {
      const page = await v.browser.newPage();
      await page.goto(`${v.url}/login?next=%2Fincidents`);
      await page.evaluate(
        `document.querySelector("input[name=token]").focus()`,
      );
      await page.type("wrong");
      await page.evaluate(`document.querySelector("form").submit()`);
      await page.waitFor(
        `document.querySelector(".error")?.textContent.includes("Wrong token")`,
      );
      await page.evaluate(
        `document.querySelector("input[name=token]").value = ${
          JSON.stringify(v.token)
        }`,
      );
      await page.evaluate(`document.querySelector("form").submit()`);
      await page.waitFor(
        `location.pathname === "/incidents" && document.querySelector("tr.incident")`,
      );
    });

    const page = await v.browser.newPage();
    await t.step(
      "/?token= sets an HttpOnly, SameSite=Strict cookie and drops the token",
      async () => {
        await page.send("Network.clearBrowserCookies");
        await page.goto(`${v.url}/?token=${v.token}`);
        await page.waitForSelector("tr.group");
        assert.equal(await page.evaluate("location.href"), `${v.url}/`);
        const { cookies } = await page.send("Network.getCookies") as {
          cookies: {
            name: string;
            httpOnly: boolean;
            sameSite: string;
            secure: boolean;
          }[];
        };
        assert.equal(cookies.length, 1);
        assert.equal(cookies[0].httpOnly, true);
        assert.equal(cookies[0].sameSite, "Strict");
        assert.equal(cookies[0].secure, false);
        assert.equal(await page.evaluate("document.cookie"), "");
      },
    );

    await t.step("logout ends the session", async () => {
      await page.evaluate(`document.querySelector("a.logout").click()`);
      await page.waitFor(`location.pathname === "/login"`);
      const status = await page.evaluate<number>(
        `fetch("/v1/incidents").then((r) => r.status)`,
      );
      assert.equal(status, 401);
    });
  },
});
