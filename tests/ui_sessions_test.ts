// Two viewers on one host, in one chromium: each server's session cookie
// carries its port, so logging in to one does not log the other out; a
// logged-out page goes to the login form and back to where it was.
import assert from "node:assert/strict";
import { hasChromium } from "./_cdp.ts";
import { startViewer } from "./_viewer.ts";
import { Proc, ROOT } from "./_util.ts";

Deno.test({
  name: "two servers on one host stay logged in side by side in chromium",
  ignore: !hasChromium(),
  async fn(t) {
    await using v = await startViewer();
    const web = new Proc([
      "run",
      "-A",
      `${ROOT}cli/flightlog.ts`,
      "web",
      v.store,
    ]);
    try {
      const login = new URL(await web.waitFor("flightlog web: "));
      const a = await v.page();
      await a.waitForSelector("tr.group");
      const b = await v.browser.newPage();

      await t.step(
        "logging in to the second does not log out the first",
        async () => {
          await b.goto(login.href);
          await b.waitForSelector("tr.group");
          await a.goto(`${v.url}/incidents`);
          await a.waitForSelector("tr.incident");
          assert.equal(await a.evaluate("location.pathname"), "/incidents");
          await b.goto(`${login.origin}/incidents`);
          await b.waitForSelector("tr.incident");
          assert.equal(await b.evaluate("location.pathname"), "/incidents");
          const { cookies } = await a.send("Network.getAllCookies") as {
            cookies: { name: string }[];
          };
          assert.deepEqual(
            cookies.map((c) => c.name).sort(),
            [
              `flightlog_session_${new URL(v.url).port}`,
              `flightlog_session_${login.port}`,
            ].sort(),
          );
        },
      );

      await t.step(
        "logging out of one leaves the other logged in",
        async () => {
          await b.goto(`${login.origin}/logout`);
          await b.waitFor(`location.pathname === "/login"`);
          await a.goto(`${v.url}/tail`);
          await a.waitFor(
            `document.querySelector(".live")?.dataset.state === "live"`,
          );
          assert.equal(await a.evaluate("location.pathname"), "/tail");
        },
      );

      await t.step(
        "a logged-out page goes to the login and comes back",
        async () => {
          await b.goto(`${login.origin}/incidents?app=shop`);
          await b.waitFor(`location.pathname === "/login"`);
          assert.equal(
            await b.evaluate("location.search"),
            `?next=${encodeURIComponent("/incidents?app=shop")}`,
          );
          await b.evaluate(
            `document.querySelector("input[name=token]").value = ${
              JSON.stringify(login.searchParams.get("token"))
            }`,
          );
          await b.evaluate(`document.querySelector("form").submit()`);
          await b.waitFor(
            `location.pathname === "/incidents" && document.querySelector("tr.incident")`,
          );
          assert.equal(await b.evaluate("location.search"), "?app=shop");
        },
      );

      await t.step("nothing failed in the pages", () => {
        assert.deepEqual(a.errors, []);
      });
    } finally {
      await web.stop("SIGINT");
    }
  },
});
