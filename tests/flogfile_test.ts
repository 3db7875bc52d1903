import assert from "node:assert/strict";
import { FlogFileError, type FlogRecord, readFlog } from "../mod.ts";
import { FLOG_MAGIC } from "../lib/flogfile.ts";
import { FIXTURE, tempDir } from "./_util.ts";

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const out = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function lines(n: number): string {
  let text = FLOG_MAGIC +
    JSON.stringify({ header: { type: "log-file-observer" } }) + "\n";
  for (let i = 0; i < n; i++) {
    text += JSON.stringify({
      from: "local",
      rx_time: i,
      d: {
        num: i,
        time: i,
        incarnation: ["x", null],
        level: 20,
        message: `event ${i} ${"x".repeat(40)}`,
      },
    }) + "\n";
  }
  return text;
}

async function collect(
  src: string | ReadableStream<Uint8Array>,
  damage?: FlogFileError[],
) {
  const out: FlogRecord[] = [];
  for await (
    const r of readFlog(
      src,
      damage ? { onDamage: (e) => damage.push(e) } : {},
    )
  ) out.push(r);
  return out;
}

Deno.test("readFlog() reads foolscap's own incident: header first, then 297 events", async () => {
  const records = await collect(FIXTURE);
  assert.ok("header" in records[0]);
  const header = (records[0] as { header: Record<string, unknown> }).header;
  assert.equal(header.type, "incident");
  assert.equal(header.pid, 3813);
  assert.equal(records.length, 298);
  const last = records.at(-1) as { d: { num: number } };
  assert.equal(last.d.num, 316);
});

Deno.test("readFlog() reads plain, gzip (by content, whatever the name) and streams alike", async () => {
  await using dir = await tempDir();
  const text = lines(50);
  const bytes = new TextEncoder().encode(text);
  await Deno.writeFile(`${dir.path}/a.flog`, bytes);
  await Deno.writeFile(`${dir.path}/b.flog`, await gzip(bytes)); // gzip under a plain name
  const plain = await collect(`${dir.path}/a.flog`);
  assert.equal(plain.length, 51);
  assert.deepEqual(await collect(`${dir.path}/b.flog`), plain);
  assert.deepEqual(
    await collect(ReadableStream.from([bytes.slice(0, 7), bytes.slice(7)])),
    plain,
  );
});

Deno.test("readFlog() yields every complete event of a truncated gzip, then reports the cut", async () => {
  await using dir = await tempDir();
  const gz = await gzip(new TextEncoder().encode(lines(2000)));
  const path = `${dir.path}/cut.flog.gz`;
  await Deno.writeFile(path, gz.slice(0, Math.floor(gz.length * 0.6)));
  const damage: FlogFileError[] = [];
  const records = await collect(path, damage);
  assert.ok(records.length > 100, `only ${records.length} records`);
  assert.ok(records.length < 2001);
  const nums = records.slice(1).map((r) => (r as { d: { num: number } }).d.num);
  assert.deepEqual(nums, nums.map((_, i) => i), "no gap, no reordering");
  assert.ok(damage.length >= 1);
  assert.match(
    damage.at(-1)!.message,
    /cut\.flog\.gz: gzip data is truncated or corrupt after line \d+/,
  );

  // Without onDamage: the same records arrive, then the error is thrown.
  const seen: FlogRecord[] = [];
  await assert.rejects(async () => {
    for await (const r of readFlog(path)) seen.push(r);
  }, FlogFileError);
  assert.equal(
    seen.length,
    records.length,
    `strict ${seen.length} vs tolerant ${records.length}`,
  );
});

Deno.test("readFlog() reports a cut last line and a bad line with their line numbers", async () => {
  await using dir = await tempDir();
  const text = lines(3).split("\n");
  text[2] = "{not json";
  const path = `${dir.path}/bad.flog`;
  await Deno.writeTextFile(path, text.join("\n") + '{"from": "local", "rx_ti');
  const damage: FlogFileError[] = [];
  const records = await collect(path, damage);
  assert.equal(records.length, 3); // header + events 1 and 2
  assert.deepEqual(damage.map((e) => e.line), [3, 6]);
  assert.match(damage[0].message, /bad\.flog:3: bad JSON/);
  await assert.rejects(() => collect(path), /bad\.flog:3: bad JSON/);
});

Deno.test("readFlog() names the file in errors for non-flogfiles, empty, bzip2 and missing files", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/x.txt`, "hello world\n");
  await Deno.writeTextFile(`${dir.path}/empty.flog`, "");
  await assert.rejects(
    () => collect(`${dir.path}/x.txt`),
    /x\.txt:1: not a flogfile: expected the line "# foolscap flogfile v1", found "hello world"/,
  );
  await assert.rejects(
    () => collect(`${dir.path}/empty.flog`),
    /empty\.flog: not a flogfile: it is empty/,
  );
  await assert.rejects(
    () => collect(FIXTURE + ".bz2"),
    /foolscap-incident\.flog\.bz2: is bzip2-compressed .*bunzip2/,
  );
  await assert.rejects(
    () => collect(`${dir.path}/nope.flog`),
    /nope\.flog: cannot open/,
  );
});

Deno.test("readFlog() stops and releases the file when aborted", async () => {
  const ac = new AbortController();
  let n = 0;
  await assert.rejects(async () => {
    for await (const _ of readFlog(FIXTURE, { signal: ac.signal })) {
      if (++n === 10) ac.abort();
    }
  });
  assert.equal(n, 10);
});
