// Test app: a Deno.serve service isolated by trace id. Each request logs a
// few steps; /fail logs an error (an incident); /quit closes the logger and
// the server. Run with OTEL_DENO=true or without. Prints "READY <port>".
import { createLogger, requestContext } from "../../mod.ts";

const [dir] = Deno.args;
const log = createLogger({
  incidentDir: dir,
  app: "traced",
  isolateBy: "trace_id",
  bufferSizes: { default: 5 },
  trailingEvents: 50,
  trailingMs: 60_000,
});
const server = Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`READY ${port}`),
  },
  requestContext(async (req) => {
    const path = new URL(req.url).pathname;
    log.info("{method} {path}", { method: req.method, path });
    if (path === "/quit") {
      queueMicrotask(async () => {
        await log.close();
        await server.shutdown();
      });
      return new Response("bye");
    }
    for (let step = 0; step < 3; step++) {
      await new Promise((r) => setTimeout(r, 1));
      log.child("db").debug("step {step} of {path}", { step, path });
    }
    if (path === "/fail") {
      log.error("payment provider timed out on {path}", { path });
      return new Response("failed", { status: 500 });
    }
    return new Response("ok");
  }),
);
