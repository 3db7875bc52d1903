import assert from "node:assert/strict";
import { makeIncident, testApi } from "./_server_util.ts";
import { tempDir } from "./_util.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

Deno.test("GET /v1/incidents?trace= finds the incidents of a trace (and q= finds it too)", async () => {
  await using dir = await tempDir();
  await using t = await testApi(dir.path);
  const store = async (path: string) =>
    await t.store.import(
      path.slice(path.lastIndexOf("/") + 1),
      await Deno.readFile(path),
      { origin: "local" },
    );
  await store(
    await makeIncident(`${dir.path}/a`, {
      template: "traced failure",
      fields: { trace_id: TRACE },
    }),
  );
  await store(await makeIncident(`${dir.path}/b`, { template: "untraced" }));
  const names = async (query: string) =>
    ((await (await t.fetch(`/v1/incidents?${query}`)).json()).incidents as {
      summary: string;
    }[]).map((i) => i.summary);
  assert.deepEqual(await names(`trace=${TRACE.toUpperCase()}`), [
    "traced failure",
  ]);
  assert.deepEqual(await names(`q=${TRACE}`), ["traced failure"]);
  const bad = await t.fetch("/v1/incidents?trace=nope");
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /trace: not a trace id/);
});

Deno.test("the viewer's page carries the --trace-url template, escaped", async () => {
  await using dir = await tempDir();
  const template = 'https://tempo.example/trace/{trace_id}?a=1&b="2"';
  await using t = await testApi(dir.path, { traceUrl: template });
  const page = await (await t.api.handle(new Request("http://api/"))).text();
  assert(
    page.includes(
      '<meta name="flightlog-trace-url" content="https://tempo.example/trace/{trace_id}?a=1&#38;b=&#34;2&#34;">',
    ),
    page.slice(0, 400),
  );
  await using plain = await testApi(dir.path + "/p");
  const empty = await (await plain.api.handle(new Request("http://api/")))
    .text();
  assert(empty.includes('<meta name="flightlog-trace-url" content="">'));
});
