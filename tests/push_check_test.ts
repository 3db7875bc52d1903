import assert from "node:assert/strict";
import { InvalidIncidentError } from "../store/errors.ts";
import { checkPushedIncident } from "../store/push_check.ts";

const gzip = async (text: string | Uint8Array) =>
  new Uint8Array(
    await new Response(
      new Blob([text as BlobPart]).stream().pipeThrough(
        new CompressionStream("gzip"),
      ),
    ).arrayBuffer(),
  );

const trigger = {
  num: 0,
  time: 1,
  incarnation: ["x", null],
  level: 30,
  message: "t",
};
const good = "# foolscap flogfile v1\n" +
  JSON.stringify({ header: { type: "incident", trigger } }) + "\n" +
  JSON.stringify({ from: "local", rx_time: 1, d: trigger }) + "\n";
const NAME = "incident-2026-01-01--00-00-00Z-aaaaaaa.flog.gz";

async function refused(
  bytes: Uint8Array<ArrayBuffer>,
  pattern: RegExp,
  limits = {},
) {
  await assert.rejects(
    checkPushedIncident(NAME, bytes, limits),
    (e: unknown) => {
      assert(e instanceof InvalidIncidentError, String(e));
      assert.match(e.message, pattern);
      return true;
    },
  );
}

Deno.test("checkPushedIncident() accepts a whole incident and counts its events", async () => {
  assert.equal(await checkPushedIncident(NAME, await gzip(good)), 1);
});

Deno.test("checkPushedIncident() refuses a header that is not an incident's", async () => {
  const notIncident = good.replace('"type":"incident"', '"type":"tail"');
  await refused(await gzip(notIncident), /type is "tail", not "incident"/);
  const array = "# foolscap flogfile v1\n" +
    JSON.stringify({ header: [1, 2] }) + "\n";
  await refused(await gzip(array), /not "incident"|not a valid incident/);
  const noTrigger = "# foolscap flogfile v1\n" +
    JSON.stringify({ header: { type: "incident" } }) + "\n";
  await refused(await gzip(noTrigger), /no trigger/);
});

Deno.test("checkPushedIncident() refuses a trigger whose fields could not be indexed, naming the field", async () => {
  for (
    const [field, value] of [
      ["level", true],
      ["level", [30]],
      ["facility", { a: 1 }],
      ["num", "1"],
      ["incarnation", "x"],
    ] as const
  ) {
    const odd = { ...trigger, [field]: value };
    const text = "# foolscap flogfile v1\n" +
      JSON.stringify({ header: { type: "incident", trigger: odd } }) + "\n";
    await refused(
      await gzip(text),
      new RegExp(`trigger is not an event: "${field}"`),
    );
  }
});

Deno.test("checkPushedIncident() refuses a decompression bomb while inflating, at the limit", async () => {
  // 64 MiB of zeros behind a valid start gzips to ~64 KiB.
  const zeros = new Uint8Array(64 * 1024 * 1024);
  const bomb = await gzip(
    new Uint8Array([
      ...new TextEncoder().encode(good),
      ...zeros.subarray(0, 1),
    ]),
  );
  assert(bomb.length < 1024);
  const big = new Blob([new TextEncoder().encode(good), zeros]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(big).arrayBuffer());
  assert(bytes.length < 200 * 1024, `${bytes.length}`);
  await refused(bytes, /inflates to more than 8388608 bytes/, {
    maxInflatedBytes: 8 * 1024 * 1024,
  });
});

Deno.test("checkPushedIncident() refuses a line over the limit, naming it", async () => {
  const long = good +
    JSON.stringify({
      from: "local",
      rx_time: 1,
      d: { ...trigger, message: "x".repeat(5000) },
    }) + "\n";
  await refused(
    await gzip(long),
    /line of \d+ characters, over the limit of 1000/,
    { maxLineLength: 1000 },
  );
});

Deno.test("checkPushedIncident() refuses what is not gzip", async () => {
  await refused(new TextEncoder().encode(good), /not gzip data/);
});
