import assert from "node:assert/strict";
import { sameOrigin, SESSION_COOKIE, Sessions } from "../http/session.ts";

const withCookie = (cookie: string, init: RequestInit = {}) =>
  new Request("http://127.0.0.1:7477/v1/incidents", {
    ...init,
    headers: { cookie, ...init.headers },
  });

Deno.test("Sessions.create opens a session its cookie stands for", () => {
  const sessions = new Sessions();
  const id = sessions.create();
  assert.match(id, /^[0-9a-f]{64}$/);
  const cookie = sessions.cookie(id, false).split(";")[0];
  assert.equal(cookie, `${SESSION_COOKIE}=${id}`);
  assert.ok(sessions.has(withCookie(`other=1; ${cookie}`)));
});

Deno.test("Sessions.has refuses unknown, malformed and missing cookies", () => {
  const sessions = new Sessions();
  sessions.create();
  assert.ok(!sessions.has(withCookie(`${SESSION_COOKIE}=${"0".repeat(64)}`)));
  assert.ok(!sessions.has(withCookie(`${SESSION_COOKIE}=../../etc`)));
  assert.ok(!sessions.has(new Request("http://x/")));
});

Deno.test("Sessions.has refuses a session past its time", async () => {
  const sessions = new Sessions({ ttlMs: 1 });
  const req = withCookie(sessions.cookie(sessions.create(), false));
  await new Promise((r) => setTimeout(r, 5));
  assert.ok(!sessions.has(req));
});

Deno.test("Sessions.end ends the session of a request", () => {
  const sessions = new Sessions();
  const req = withCookie(sessions.cookie(sessions.create(), false));
  sessions.end(req);
  assert.ok(!sessions.has(req));
});

Deno.test("Sessions.create beyond max ends the oldest session", () => {
  const sessions = new Sessions({ max: 2 });
  const reqs = [0, 1, 2].map(() =>
    withCookie(sessions.cookie(sessions.create(), false))
  );
  assert.deepEqual(reqs.map((r) => sessions.has(r)), [false, true, true]);
});

Deno.test("Sessions.cookie is HttpOnly, SameSite=Strict, and Secure under TLS", () => {
  const sessions = new Sessions();
  const plain = sessions.cookie("a".repeat(64), false);
  assert.match(plain, /; HttpOnly; SameSite=Strict; Max-Age=43200$/);
  assert.match(sessions.cookie("a".repeat(64), true), /; Secure$/);
  assert.match(sessions.clearCookie(false), /Max-Age=0/);
});

Deno.test("Sessions refuses bad options, naming them", () => {
  assert.throws(() => new Sessions({ ttlMs: 0 }), /ttlMs: .* got 0/);
  assert.throws(() => new Sessions({ max: 1.5 }), /max: .* got 1.5/);
});

Deno.test("sameOrigin accepts this server's Origin and refuses others", () => {
  const post = (headers: Record<string, string>) =>
    new Request("http://127.0.0.1:7477/v1/groups/1", {
      method: "PATCH",
      headers,
    });
  assert.ok(sameOrigin(post({ origin: "http://127.0.0.1:7477" })));
  assert.ok(!sameOrigin(post({ origin: "http://127.0.0.1:7478" })));
  assert.ok(!sameOrigin(post({ origin: "null" })));
  assert.ok(
    sameOrigin(post({ origin: "null", "sec-fetch-site": "same-origin" })),
  );
  assert.ok(sameOrigin(post({ "sec-fetch-site": "same-origin" })));
  assert.ok(!sameOrigin(post({ "sec-fetch-site": "cross-site" })));
  assert.ok(!sameOrigin(post({})));
});
