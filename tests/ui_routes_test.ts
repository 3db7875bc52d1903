// The viewer's routes through the API's dispatch core (no socket): pages and
// assets with their security headers, login, the session cookie, logout.
import assert from "node:assert/strict";
import type { Api } from "../http/api.ts";
import { testApi, TOKEN } from "./_server_util.ts";
import { tempDir } from "./_util.ts";

const BASE = "http://127.0.0.1:7477";

async function withApi(fn: (api: Api) => Promise<void>) {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  await fn(t.api);
}

async function call(api: Api, path: string, init: RequestInit = {}) {
  const res = await api.handle(new Request(BASE + path, init));
  const body = await res.text();
  return { res, body };
}

/** Logs in through `/?token=`; returns the cookie to send back. */
async function login(api: Api): Promise<string> {
  const { res } = await call(api, `/?token=${TOKEN}`);
  return res.headers.get("set-cookie")!.split(";")[0];
}

Deno.test("uiRoutes serve the page shell with a strict CSP, without a token", async () => {
  await withApi(async (api) => {
    for (const path of ["/", "/incidents", "/incidents/x.flog.gz", "/tail"]) {
      const { res, body } = await call(api, path);
      assert.equal(res.status, 200, path);
      assert.match(body, /<script type="module" src="\/ui\/app.js">/);
      const csp = res.headers.get("content-security-policy")!;
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /unsafe/);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    }
  });
});

Deno.test("uiRoutes serve the embedded assets, 304 when unchanged", async () => {
  await withApi(async (api) => {
    const { res } = await call(api, "/ui/app.js");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/javascript/);
    const etag = res.headers.get("etag")!;
    const again = await call(api, "/ui/app.js", {
      headers: { "if-none-match": etag },
    });
    assert.equal(again.res.status, 304);
    assert.equal((await call(api, "/ui/nope.js")).res.status, 404);
    assert.equal((await call(api, "/ui/_assets.ts")).res.status, 404);
    assert.equal((await call(api, "/ui/__proto__")).res.status, 404);
    assert.equal((await call(api, "/ui/%2e%2e%2fdeno.json")).res.status, 404);
  });
});

Deno.test("uiRoutes /?token= sets the session cookie and drops the token", async () => {
  await withApi(async (api) => {
    const { res } = await call(api, `/incidents?app=shop&token=${TOKEN}`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/incidents?app=shop");
    const cookie = res.headers.get("set-cookie")!;
    assert.match(
      cookie,
      /^flightlog_session_7477=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict/,
    );
    assert.doesNotMatch(cookie, /Secure/);
    const list = await call(api, "/v1/incidents", {
      headers: { cookie: cookie.split(";")[0] },
    });
    assert.equal(list.res.status, 200);
  });
});

Deno.test("uiRoutes refuse a wrong token with the login form", async () => {
  await withApi(async (api) => {
    const { res, body } = await call(api, "/?token=nope");
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("set-cookie"), null);
    assert.match(body, /<form method="post" action="\/login">/);
    assert.match(body, /wrong or old/);
  });
});

Deno.test("uiRoutes mark the cookie Secure under TLS", async () => {
  await withApi(async (api) => {
    const res = await api.handle(
      new Request(`https://127.0.0.1:7477/?token=${TOKEN}`),
    );
    assert.match(res.headers.get("set-cookie")!, /; Secure$/);
  });
});

Deno.test("uiRoutes /login takes the token from the form, from this origin only", async () => {
  await withApi(async (api) => {
    const form = (token: string, origin: string) => ({
      method: "POST",
      headers: {
        origin,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ token, next: "/tail" }).toString(),
    });
    const ok = await call(api, "/login", form(TOKEN, BASE));
    assert.equal(ok.res.status, 303);
    assert.equal(ok.res.headers.get("location"), "/tail");
    assert.match(ok.res.headers.get("set-cookie")!, /HttpOnly/);
    const wrong = await call(api, "/login", form("nope", BASE));
    assert.equal(wrong.res.status, 401);
    assert.match(wrong.body, /Wrong token/);
    const elsewhere = await call(
      api,
      "/login",
      form(TOKEN, "http://evil.example"),
    );
    assert.equal(elsewhere.res.status, 403);
    assert.equal(elsewhere.res.headers.get("set-cookie"), null);
  });
});

Deno.test("uiRoutes /login goes back to local paths only", async () => {
  await withApi(async (api) => {
    const { body } = await call(api, "/login?next=%2F%2Fevil.example%2Fx");
    assert.match(body, /name="next" value="\/"/);
    const local = await call(api, "/login?next=%2Fincidents%3Fq%3D%22x%22");
    assert.match(local.body, /name="next" value="\/incidents\?q=&#34;x&#34;"/);
  });
});

Deno.test("uiRoutes /logout ends the session", async () => {
  await withApi(async (api) => {
    const cookie = await login(api);
    const out = await call(api, "/logout", { headers: { cookie } });
    assert.equal(out.res.status, 303);
    assert.match(out.res.headers.get("set-cookie")!, /Max-Age=0/);
    const after = await call(api, "/v1/incidents", { headers: { cookie } });
    assert.equal(after.res.status, 401);
  });
});

Deno.test("Api refuses a state change by cookie from another origin", async () => {
  await withApi(async (api) => {
    const cookie = await login(api);
    const post = (origin: string) =>
      call(api, "/v1/incidents?name=x", {
        method: "POST",
        headers: { cookie, origin },
        body: "x",
      });
    assert.equal((await post("http://evil.example")).res.status, 403);
    // From the viewer's own origin the request gets past auth (and is then
    // refused for its bad name).
    assert.equal((await post(BASE)).res.status, 400);
  });
});

Deno.test("Api still takes the bearer token, and 401 without either", async () => {
  await withApi(async (api) => {
    const bearer = await call(api, "/v1/incidents", {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(bearer.res.status, 200);
    const none = await call(api, "/v1/incidents");
    assert.equal(none.res.status, 401);
    const forged = await call(api, "/v1/incidents", {
      headers: { cookie: `flightlog_session_7477=${"a".repeat(64)}` },
    });
    assert.equal(forged.res.status, 401);
  });
});
