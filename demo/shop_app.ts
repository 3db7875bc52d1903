/**
 * A sample app for the demo: a small "shop" that handles orders, logs at
 * mixed levels, and after a while hits a failure (a payment provider that
 * stops answering), which triggers an incident.
 *
 * Usage: deno run -A demo/shop_app.ts (--socket PATH | --dir DIR) [--orders N] [--app NAME]
 *
 * @module
 */

import {
  createLogger,
  installGlobalHandlers,
  type Logger,
  publish,
  withContext,
} from "../mod.ts";

/**
 * Runs `orders` orders through `log`, each in a request context (so each
 * event carries its `requestId`); the last one fails.
 */
export async function runShop(log: Logger, orders = 40): Promise<void> {
  const shop = log.with({ region: "eu-west-1" }); // on every event below
  const http = shop.child("http");
  const db = shop.child("db");
  const pay = shop.child("payments");
  shop.info("shop starting, {n} workers", { n: 4 });
  // The credentials in this URL never reach a file: redacted when logged.
  db.info("connected to {url}", {
    url: "postgres://shop:s3cret@db1.internal/shop",
  });
  for (let id = 1; id <= orders; id++) {
    await withContext({ requestId: `req-${id}` }, () => order(id, orders));
  }

  async function order(id: number, orders: number) {
    const req = http.info("POST /orders user={user}", {
      user: `user${id % 7}`,
      headers: {
        authorization: `Bearer tok-${id}`,
        accept: "application/json",
      },
    });
    db.debug("select cart for order {id}", { id, parent: req });
    const ms = 5 + ((id * 37) % 50);
    db.debug("query took {ms} ms", { ms, parent: req });
    if (ms > 45) {
      db.warn("slow query: {ms} ms for order {id}", { ms, id, parent: req });
    }
    if (id === orders) {
      pay.curious("provider answered 503, retrying order {id}", {
        id,
        parent: req,
      });
      pay.err(
        new Error("payment provider timed out", {
          cause: new Error("connect ETIMEDOUT 10.0.0.7:443"),
        }),
        {
          why: "charging order {id} failed".replace("{id}", String(id)),
          level: 35,
          order: id,
          parent: req,
        },
      );
      http.warn("POST /orders -> 502 for order {id}", { id });
      shop.info("shop keeps serving");
    } else {
      pay.info("charged order {id}: {amount} EUR", {
        id,
        amount: (id * 13) % 90 + 10,
        parent: req,
      });
      http.info("POST /orders -> 201 in {ms} ms", { ms: ms + 3, parent: req });
    }
    await Promise.resolve();
  }
}

if (import.meta.main) {
  // deno run -A demo/shop_app.ts --socket PATH   publish to a sidecar (no disk)
  // deno run -A demo/shop_app.ts --dir DIR       write its own incidents
  const { parseArgs } = await import("node:util");
  const { values } = parseArgs({
    options: {
      socket: { type: "string" },
      dir: { type: "string" },
      orders: { type: "string", default: "40" },
      app: { type: "string", default: "shop" },
    },
  });
  const log = createLogger({
    app: values.app,
    release: "1.0.0", // versions[app]: what groups count releases by
    incidentDir: values.dir,
    trailingMs: 500,
    isolateBy: "requestId", // the failing order's incident: its own events
  });
  // For the life of the process: not in `using`, which would undo it at once.
  installGlobalHandlers(log);
  const publisher = values.socket === undefined
    ? undefined
    : await publish(log, { socketPath: values.socket });
  if (publisher) {
    console.log(
      `shop: publishing on ${publisher.socketPath}, waiting for the sidecar`,
    );
    await Promise.race([
      publisher.connected(),
      new Promise((r) => setTimeout(r, 5000)),
    ]);
  }
  await runShop(log, Number(values.orders));
  await publisher?.flush();
  console.log("shop: failure logged; still serving");
  // Keep serving (at most a minute) until stopped, like a real service.
  const stop = setTimeout(() => log.close(), 60_000);
  for (let i = 0; i < 600 && !log.recorder.closed; i++) {
    log.child("http").info("GET /health -> 200");
    await new Promise((r) => setTimeout(r, 100));
  }
  clearTimeout(stop);
  await log.close();
}
