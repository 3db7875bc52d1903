import assert from "node:assert/strict";
import { dumpLines, formatTime } from "../lib/dump.ts";
import type { FlogRecord } from "../lib/flogfile.ts";

const trigger = {
  num: 3,
  time: 0.25,
  incarnation: ["ab", null] as [string, null],
  level: 30,
  facility: "app/disk",
  format: "disk %(pct)d%% full",
  pct: 97,
};
const records: FlogRecord[] = [
  { header: { type: "incident", trigger, pid: 7, versions: { app: "1" } } },
  {
    from: "local",
    rx_time: 0.5,
    d: { ...trigger, num: 2, level: 20, format: "checking" },
  },
  { from: "local", rx_time: 0.5, d: trigger },
];

Deno.test("dumpLines() prints level, facility and text, and marks the trigger", async () => {
  const lines = await Array.fromAsync(
    dumpLines(records, { timestamps: "epoch" }),
  );
  assert.equal(lines.at(-2), "local#2 0.250 OPERATIONAL app/disk: checking");
  assert.equal(
    lines.at(-1),
    "local#3 0.250 WEIRD app/disk: disk 97% full [INCIDENT-TRIGGER]",
  );
});

Deno.test("dumpLines() with flogtool leaves out level and facility", async () => {
  const lines = await Array.fromAsync(
    dumpLines(records, { timestamps: "epoch", flogtool: true }),
  );
  assert.equal(lines.at(-1), "local#3 0.250: disk 97% full [INCIDENT-TRIGGER]");
});

Deno.test("dumpLines() prints a failure below its event", async () => {
  const failure = { "@": "Failure", str: "Error: boom\n    at f (x.ts:1:1)" };
  const record: FlogRecord = {
    from: "local",
    rx_time: 0,
    d: { ...trigger, message: "failed", format: undefined, failure },
  } as unknown as FlogRecord;
  const lines = await Array.fromAsync(
    dumpLines([record], { timestamps: "epoch" }),
  );
  assert.deepEqual(lines.slice(1, 2), [" FAILURE:"]);
  assert.match(lines.slice(2).join("\n"), /Error: boom/);
});

Deno.test("formatTime() prints epoch and UTC times as flogtool does", () => {
  assert.equal(formatTime(1.5, "epoch"), "1.500");
  assert.equal(formatTime(0, "utc"), "1970-01-01_00:00:00.000000Z");
});
