// Test app: a Deno.serve service with request contexts and isolateBy. Every
// request logs a few steps; /fail throws inside the handler (an incident).
// /quit closes the logger and the server. Prints "READY <port>".
import { createLogger, requestContext } from "../../mod.ts";

const [dir] = Deno.args;
const log = createLogger({
  incidentDir: dir,
  app: "serve",
  isolateBy: "requestId",
  bufferSizes: { default: 5 },
  trailingEvents: 50,
  trailingMs: 60_000,
});
const http = log.child("http");
const server = Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`READY ${port}`),
  },
  requestContext(async (req) => {
    const path = new URL(req.url).pathname;
    http.info("{method} {path}", {
      method: req.method,
      path,
      headers: Object.fromEntries(req.headers),
    });
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
    try {
      if (path === "/fail") throw new Error("payment provider timed out");
      return new Response("ok");
    } catch (e) {
      http.error(e as Error);
      return new Response("failed", { status: 500 });
    } finally {
      http.info("done {path}", { path });
    }
  }),
);
