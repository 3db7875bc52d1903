import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { sameOrigin, sessionCookie, Sessions } from "../http/session.ts";
import { IncidentStore } from "../store/sqlite/store.ts";
import { tempDir } from "./_util.ts";

const AT = new URL("http://127.0.0.1:7477/");
const SESSION_COOKIE = sessionCookie(AT);

const withCookie = (cookie: string, init: RequestInit = {}) =>
  new Request("http://127.0.0.1:7477/v1/incidents", {
    ...init,
    headers: { cookie, ...init.headers },
  });

Deno.test("Sessions.create opens a session its cookie stands for", () => {
  const sessions = new Sessions();
  const id = sessions.create();
  assert.match(id, /^[0-9a-f]{64}$/);
  const cookie = sessions.cookie(id, AT).split(";")[0];
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
  const req = withCookie(sessions.cookie(sessions.create(), AT));
  await new Promise((r) => setTimeout(r, 5));
  assert.ok(!sessions.has(req));
});

Deno.test("Sessions.end ends the session of a request", () => {
  const sessions = new Sessions();
  const req = withCookie(sessions.cookie(sessions.create(), AT));
  sessions.end(req);
  assert.ok(!sessions.has(req));
});

Deno.test("Sessions.create beyond max ends the oldest session", () => {
  const sessions = new Sessions({ max: 2 });
  const reqs = [0, 1, 2].map(() =>
    withCookie(sessions.cookie(sessions.create(), AT))
  );
  assert.deepEqual(reqs.map((r) => sessions.has(r)), [false, true, true]);
});

Deno.test("Sessions.cookie is HttpOnly, SameSite=Strict, and Secure under TLS", () => {
  const sessions = new Sessions();
  const plain = sessions.cookie("a".repeat(64), AT);
  assert.match(plain, /; HttpOnly; SameSite=Strict; Max-Age=43200$/);
  const tls = new URL("https://flightlog.example/");
  assert.match(sessions.cookie("a".repeat(64), tls), /; Secure$/);
  assert.match(sessions.clearCookie(AT), /Max-Age=0/);
});

Deno.test("sessionCookie names the port, so servers on one host keep theirs apart", () => {
  assert.equal(sessionCookie(AT), "flightlog_session_7477");
  assert.equal(sessionCookie(new URL("http://h/")), "flightlog_session_80");
  assert.equal(sessionCookie(new URL("https://h/")), "flightlog_session_443");
  const sessions = new Sessions();
  const cookie = sessions.cookie(sessions.create(), AT).split(";")[0];
  const other = new Request("http://127.0.0.1:7478/v1/incidents", {
    headers: { cookie },
  });
  assert.ok(!sessions.has(other), "another port's cookie is not this one's");
});

Deno.test("Sessions with a keeper survive a restart of the server, and only a hash is kept", async () => {
  await using dir = await tempDir();
  const store = await IncidentStore.open(dir.path);
  const sessions = new Sessions({ keep: store.sessions });
  const id = sessions.create();
  const ended = sessions.create();
  const req = (s: string) => withCookie(sessions.cookie(s, AT));
  sessions.end(req(ended));
  await store.close();
  const again = await IncidentStore.open(dir.path);
  const restarted = new Sessions({ keep: again.sessions });
  assert.ok(restarted.has(req(id)));
  assert.ok(!restarted.has(req(ended)));
  await again.close();
  const db = new DatabaseSync(`${dir.path}/index.sqlite`);
  const keys = db.prepare("select key from sessions").all();
  db.close();
  assert.equal(keys.length, 1);
  assert.notEqual(keys[0].key, id);
});

Deno.test("Sessions with a keeper keep each session's scope across a restart", async () => {
  await using dir = await tempDir();
  const store = await IncidentStore.open(dir.path);
  const sessions = new Sessions({ keep: store.sessions });
  const reader = sessions.create("read");
  const admin = sessions.create("admin");
  await store.close();
  const again = await IncidentStore.open(dir.path);
  const restarted = new Sessions({ keep: again.sessions });
  const req = (s: string) => withCookie(sessions.cookie(s, AT));
  assert.equal(restarted.scope(req(reader)), "read");
  assert.equal(restarted.scope(req(admin)), "admin");
  await again.close();
});

Deno.test("Sessions with a keeper do not load expired sessions", async () => {
  const kept = new Map<string, number>([["k", Date.now() - 1]]);
  const keep = {
    load: (now: number) =>
      [...kept].filter(([, until]) => until > now)
        .map(([k, until]) => [k, until, "admin"] as [string, number, string]),
    put: (k: string, until: number) => void kept.set(k, until),
    drop: (k: string) => void kept.delete(k),
  };
  const sessions = new Sessions({ keep, ttlMs: 1 });
  const req = withCookie(sessions.cookie(sessions.create(), AT));
  assert.equal(kept.size, 2);
  await new Promise((r) => setTimeout(r, 5));
  assert.ok(!sessions.has(req));
  assert.equal(kept.size, 1, "the expired one it saw is dropped");
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
