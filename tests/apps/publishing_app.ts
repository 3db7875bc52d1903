// Test app: publishes its events on a Unix socket and obeys commands on
// stdin, one per line, answering "OK <command>" when done:
//   log LEVEL TEXT   log TEXT at LEVEL (a name or an integer)
//   flood N          log N NOISY events
//   wait-reader      wait until a reader (the sidecar) is connected
//   close            publisher.close("bye"), logger.close(), exit 0
// Prints "READY <socket>" once listening. Exits by itself after 60 s.
import { createLogger, parseLevel, publish } from "../../mod.ts";
import { LineSplitter } from "../../lib/lines.ts";

const [socketPath, heartbeatMs = "1000", queueLimit = "10000", redact] =
  Deno.args;
const log = createLogger({
  app: "testapp",
  versions: { testapp: "9.9" },
  // "no-redact": an app that sends secrets (an old flightlog, say).
  redact: redact === "no-redact" ? false : undefined,
});
const publisher = await publish(log, {
  socketPath,
  heartbeatMs: Number(heartbeatMs),
  queueLimit: Number(queueLimit),
});
log.info("testapp started");
console.log(`READY ${socketPath}`);
const timer = setTimeout(() => Deno.exit(3), 60_000);
const splitter = new LineSplitter();
const decoder = new TextDecoder();
for await (const chunk of Deno.stdin.readable) {
  for (const line of splitter.push(decoder.decode(chunk, { stream: true }))) {
    const [cmd, a = "", ...rest] = line.split(" ");
    if (cmd === "log") log.log(parseLevel(a), rest.join(" "));
    else if (cmd === "wait-reader") await publisher.connected();
    else if (cmd === "flood") {
      for (let i = 0; i < Number(a); i++) log.noisy("flood {i}", { i });
    } else if (cmd === "close") {
      await publisher.close("bye");
      await log.close();
      clearTimeout(timer);
      console.log("OK close");
      Deno.exit(0);
    }
    await publisher.flush(); // the sidecar has it before we say OK
    console.log(`OK ${line}`);
  }
}
