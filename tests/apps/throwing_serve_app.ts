// Test app: a Deno.serve service written as the README says, whose handler
// does not catch its errors: requestContext({ logger }) records them.
//   /fail      logs three steps, then throws (with a cause)
//   /orphan    answers, then a promise it started rejects, unhandled
//   /quit      closes the logger and the server
//   anything else: logs three steps and answers ok
// Prints "READY <port>".
import {
  createLogger,
  installGlobalHandlers,
  requestContext,
} from "../../mod.ts";

const [dir] = Deno.args;
const log = createLogger({
  incidentDir: dir,
  app: "throwing",
  isolateBy: "requestId",
  bufferSizes: { default: 5 },
  trailingEvents: 50,
  trailingMs: 60_000,
});
installGlobalHandlers(log);
const http = log.child("http");
const server = Deno.serve(
  {
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`READY ${port}`),
  },
  requestContext(async (req) => {
    const path = new URL(req.url).pathname;
    http.info("{method} {path}", { method: req.method, path });
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
      throw new Error("payment provider timed out", {
        cause: new Error("socket hang up"),
      });
    }
    if (path === "/orphan") {
      (async () => {
        await new Promise((r) => setTimeout(r, 50));
        log.child("db").debug("background write of {path}", { path });
        throw new RangeError("background write failed");
      })();
    }
    return new Response("ok");
  }, { logger: log }),
);
