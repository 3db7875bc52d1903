// Test app: installs the global handlers, then dies of an uncaught error
// (or an unhandled rejection with "reject").
import { createLogger, installGlobalHandlers } from "../../mod.ts";

const [dir, how] = Deno.args;
const log = createLogger({ incidentDir: dir, app: "dies" });
installGlobalHandlers(log);
log.info("about to fail");
if (how === "reject") {
  Promise.reject(new RangeError("nobody caught this promise"));
} else {
  setTimeout(() => {
    throw new TypeError("nobody caught this", {
      cause: new Error("root cause"),
    });
  }, 0);
}
