// The real LogTape from npm, in tests only.
// deno-lint-ignore no-import-prefix
import { configure, getLogger, reset } from "npm:@logtape/logtape@2";
import assert from "node:assert/strict";
import { createLogger } from "../lib/create_logger.ts";
import { logtapeSink } from "../lib/logtape_sink.ts";
import { renderMessage } from "../lib/format.ts";

Deno.test("logtapeSink() records LogTape's records: category, level, template and properties", async () => {
  const log = createLogger();
  await configure({
    sinks: { flightlog: logtapeSink(log) },
    loggers: [
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: [] },
      { category: ["shop"], lowestLevel: "debug", sinks: ["flightlog"] },
    ],
  });
  try {
    const db = getLogger(["shop", "db"]);
    db.warn("slow query: {ms} ms", { ms: 812 });
    db.error`payment ${"p-17"} failed`;
    db.debug("details {{literal}}");
  } finally {
    await reset();
  }
  const [slow, failed, details] = log.snapshot();
  assert.equal(slow.facility, "shop/db");
  assert.equal(slow.level, 23);
  assert.equal(slow.ms, 812);
  assert.equal(renderMessage(slow), "slow query: 812 ms");
  assert.equal(failed.level, 35);
  assert.equal(renderMessage(failed), "payment p-17 failed");
  assert.equal(details.level, 10);
  await log.close();
});
