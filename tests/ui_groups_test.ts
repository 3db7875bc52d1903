// The groups page in headless chromium against a stand-in for the
// gatherer's group endpoints (issue 10's contract: list, PATCH, stream), so
// the page is tested whether or not the server in this tree has groups.
import assert from "node:assert/strict";
import { ASSETS } from "../ui/_assets.ts";
import { Browser, hasChromium } from "./_cdp.ts";
import { shot } from "./_viewer.ts";

const HOUR = 3_600_000;
const now = Date.now();
const hourly = (seed: number) =>
  Array.from(
    { length: 168 },
    (_, i) => Math.max(0, Math.round(seed * Math.sin(i / 12 + seed))),
  );

function groups() {
  return [
    {
      id: "g1",
      title: "charging order {order} failed",
      category: "payments",
      count: 42,
      firstSeen: now - 150 * HOUR,
      lastSeen: now - 0.2 * HOUR,
      apps: ["shop", "checkout"],
      status: "open",
      hourly: hourly(3),
    },
    {
      id: "g2",
      title: "lost connection to {host}",
      category: "database",
      count: 7,
      firstSeen: now - 30 * HOUR,
      lastSeen: now - 2 * HOUR,
      apps: ["shop"],
      status: "open",
      regression: true,
      hourly: hourly(5),
    },
    {
      id: "g3",
      title: "disk {dev} is {pct}% full",
      category: "infra",
      count: 3,
      firstSeen: now - 100 * HOUR,
      lastSeen: now - 50 * HOUR,
      apps: ["batch"],
      status: "resolved",
      hourly: hourly(2),
    },
  ];
}

/** A stand-in server: the viewer's files and the group endpoints. */
function standIn() {
  const state = groups();
  const patches: { id: string; body: unknown; origin: string | null }[] = [];
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const enc = new TextEncoder();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      const json = (b: unknown) => Response.json(b);
      if (path.startsWith("/ui/")) {
        const a = ASSETS[path.slice(4)];
        return new Response(a.body, { headers: { "content-type": a.type } });
      }
      if (path === "/v1/groups") return json({ groups: state });
      if (path.endsWith("/stream")) {
        let mine: ReadableStreamDefaultController<Uint8Array>;
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            mine = c;
            streams.add(c);
            c.enqueue(enc.encode(": hi\n\n"));
          },
          cancel() {
            streams.delete(mine);
          },
        });
        return new Response(body, {
          headers: { "content-type": "text/event-stream" },
        });
      }
      const m = /^\/v1\/groups\/(.+)$/.exec(path);
      if (m && req.method === "PATCH") {
        const body = await req.json();
        patches.push({ id: m[1], body, origin: req.headers.get("origin") });
        const g = state.find((x) => x.id === m[1])!;
        g.status = body.status;
        return json(g);
      }
      if (path === "/v1/incidents") return json({ incidents: [], total: 0 });
      const page = ASSETS["index.html"];
      return new Response(page.body, {
        headers: { "content-type": page.type },
      });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    state,
    patches,
    push(type: string, data: unknown) {
      for (const c of streams) {
        c.enqueue(
          enc.encode(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`),
        );
      }
    },
    async [Symbol.asyncDispose]() {
      for (const c of streams) c.close();
      await server.shutdown();
    },
  };
}

Deno.test({
  name: "mountGroups lists, filters, resolves and follows groups in chromium",
  ignore: !hasChromium(),
  async fn(t) {
    await using server = standIn();
    await using browser = await Browser.launch();
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForSelector("tr.group");

    await t.step(
      "lists the open groups with counts, sparklines and apps",
      async () => {
        assert.equal(await page.count("tr.group"), 2);
        const first = await page.evaluate<string>(
          `document.querySelector("tr.group").innerText`,
        );
        assert.match(first, /charging order \{order\} failed/);
        assert.match(first, /payments/);
        assert.match(first, /42/);
        assert.match(first, /shop, checkout/);
        assert.equal(await page.count("tr.group svg.spark"), 2);
        assert.match(
          await page.evaluate<string>(
            `document.querySelector("svg.spark title").textContent`,
          ),
          /^per day, last 7 days: /,
        );
        assert.match(
          await page.evaluate<string>(
            `document.querySelector("tr[data-id=g2]").innerText`,
          ),
          /regression/,
        );
        await page.waitFor(
          `document.querySelector(".live")?.dataset.state === "live"`,
        );
        await shot(page, "groups");
      },
    );

    await t.step("a status filter shows the resolved ones", async () => {
      await page.select("select[name=status]", "resolved");
      await page.waitFor(`document.querySelectorAll("tr.group").length === 1`);
      assert.match(
        await page.evaluate<string>(
          `document.querySelector("tr.group").innerText`,
        ),
        /disk \{dev\} is \{pct\}% full/,
      );
      await page.select("select[name=status]", "open");
      await page.waitFor(`document.querySelectorAll("tr.group").length === 2`);
    });

    await t.step("Resolve sends a PATCH from the page's origin", async () => {
      await page.evaluate(
        `[...document.querySelectorAll("tr[data-id=g2] button")].find((b) => b.textContent === "Resolve").click()`,
      );
      await page.waitFor(`document.querySelectorAll("tr.group").length === 1`);
      assert.deepEqual(server.patches, [{
        id: "g2",
        body: { status: "resolved" },
        origin: server.url,
      }]);
    });

    await t.step("a new group appears live", async () => {
      server.state.push({
        ...groups()[0],
        id: "g4",
        title: "cache {name} evicted everything",
        count: 1,
      });
      server.push("new_group", { id: "g4" });
      await page.waitFor(`document.querySelector("tr[data-id=g4]")`);
      assert.equal(await page.count("tr.group"), 2);
    });

    await t.step("nothing failed in the page", () => {
      assert.deepEqual(page.errors, []);
    });
  },
});
