import assert from "node:assert/strict";
import { listIncidents } from "../lib/incidents.ts";
import { Proc, readIncident, ROOT, tempDir } from "./_util.ts";

Deno.test("requestContext() with isolateBy: the failing request's incident holds its events and no other request's", async () => {
  await using dir = await tempDir();
  const app = new Proc([
    "run",
    "-A",
    `${ROOT}tests/apps/serve_app.ts`,
    dir.path,
  ]);
  const port = await app.waitFor("READY ").catch(async (e) => {
    await app.stop();
    throw e;
  });
  const url = `http://127.0.0.1:${port}`;
  const auth = { authorization: "Bearer top-secret-token" };
  const responses = await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) =>
        fetch(`${url}/${i === 13 ? "fail" : `ok${i}`}`, { headers: auth })
          .then(async (r) => ({ status: r.status, body: await r.text() })),
    ),
  );
  assert.equal(responses.filter((r) => r.status === 500).length, 1);
  await (await fetch(`${url}/quit`)).text();
  assert.equal((await app.stop("SIGCONT")).code, 0); // it exits by itself

  const [incident] = await listIncidents(dir.path);
  const { header, events } = await readIncident(incident.path);
  const isolated = header.isolated as { key: string; value: string };
  assert.equal(isolated.key, "requestId");
  const ids = new Set(events.map((r) => r.d.requestId));
  ids.delete(undefined);
  assert.deepEqual([...ids], [isolated.value], "only the failing request");
  const paths = events.map((r) => r.d.path).filter((p) => p !== undefined);
  assert(paths.every((p) => p === "/fail"), paths.join(" "));
  // Its own events, all of them: request, three steps, the error, done.
  assert.equal(events.length, 6, events.map((r) => r.d.format).join(" | "));
  // The bearer token never reached the file.
  const text = await new Response(
    (await Deno.open(incident.path)).readable.pipeThrough(
      new DecompressionStream("gzip"),
    ),
  ).text();
  assert(!text.includes("top-secret-token"));
  assert(text.includes("[REDACTED]"));
});
