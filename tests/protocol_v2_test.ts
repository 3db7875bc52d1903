import assert from "node:assert/strict";
import { encodeJSON, jsonableEvent } from "../lib/event.ts";
import type { FlogEvent, Incarnation } from "../lib/flog_event.ts";
import {
  batchEvents,
  batchLines,
  type BatchMessage,
  pickVersion,
} from "../lib/protocol_v2.ts";
import { forAll, type Prng } from "./_prng.ts";

const inc: Incarnation = ["0123456789abcdef", null];

/** A random value of the kinds log fields hold, odd ones included. */
function value(rng: Prng, depth = 0): unknown {
  switch (rng.int(0, depth > 1 ? 7 : 10)) {
    case 0:
      return rng.int(-1e6, 1e6);
    case 1:
      return rng.next() * 1e9;
    case 2:
      return rng.string(rng.int(0, 12), 'ab:@ "\\\n\u00e9\u{1F600}0123');
    case 3:
      return rng.chance(0.5);
    case 4:
      return null;
    case 5:
      return undefined;
    case 6:
      return rng.pick([NaN, Infinity, -0, 10n, () => 1, Symbol("s")]);
    case 7:
      return new Date(rng.int(0, 2e12));
    case 8:
      return [value(rng, depth + 1), value(rng, depth + 1)];
    case 9:
      return { a: value(rng, depth + 1), f: () => 2 };
    default:
      return new Map([[1, 2]]);
  }
}

/** A random event: fields first (as the logger builds them), then its keys. */
function randomEvent(rng: Prng, num: number): FlogEvent {
  const e: Record<string, unknown> = {};
  const names = ["user", "id", "path", "0", "12", "__proto__", "text", "_time"];
  for (let i = rng.int(0, 5); i > 0; i--) e[rng.pick(names)] = value(rng);
  Object.assign(e, {
    num,
    time: 1795587692.42 + num / 1000,
    incarnation: rng.chance(0.9) ? inc : ["fedcba9876543210", null],
    level: rng.pick([10, 20, 23, 30]),
    facility: rng.pick([undefined, "app", "app/db"]),
    format: "request %(id)s",
  });
  if (rng.chance(0.1)) e.incarnation = [...inc]; // equal, not the same array
  return e as FlogEvent;
}

/** The events a reader gets from `lines` of batch messages. */
function decode(lines: string): (FlogEvent | string)[] {
  return lines.split("\n").filter((l) => l !== "").flatMap((line) =>
    batchEvents(JSON.parse(line) as BatchMessage, inc)
  );
}

Deno.test("batchLines() then batchEvents() give each event's v1 JSON, byte for byte, over random events", () => {
  forAll(200, (rng) => {
    const events = Array.from(
      { length: rng.int(0, 40) },
      (_, i) => randomEvent(rng, i),
    );
    const size = rng.int(1, 50);
    const decoded = decode(batchLines(events, inc, size, false));
    assert.equal(decoded.length, events.length);
    for (let i = 0; i < events.length; i += size) {
      // What a v1 reader parses from the publisher's v1 line of this batch.
      const batch = events.slice(i, i + size).map((e) => jsonableEvent(e));
      const v1 = JSON.parse(encodeJSON({ t: "events", events: batch }));
      for (let j = 0; j < batch.length; j++) {
        assert.equal(encodeJSON(decoded[i + j]), encodeJSON(v1.events[j]));
      }
    }
  });
});

Deno.test("batchLines() leaves out the connection's incarnation and shares key lists", () => {
  const events = [0, 1, 2].map((num) => ({
    id: num,
    num,
    time: 1,
    incarnation: inc,
    level: 20,
  }));
  const line = batchLines(events, inc, 1000, true);
  assert.equal(
    line,
    '{"t":"batch","keys":[["id","num","time",null,"level"]],' +
      '"rows":[0,0,0,1,20,0,1,1,1,20,0,2,2,1,20],"history":true}\n',
  );
  assert(!line.includes(inc[0]));
});

Deno.test("batchLines() keeps another incarnation as an ordinary key", () => {
  const other: Incarnation = ["ffff", null];
  const line = batchLines(
    [{ num: 0, time: 1, incarnation: other, level: 20 }],
    inc,
    1000,
    false,
  );
  assert.equal(
    line,
    '{"t":"batch","keys":[["num","time","incarnation","level"]],' +
      '"rows":[0,0,1,["ffff",null],20]}\n',
  );
  assert.deepEqual(decode(line)[0], {
    num: 0,
    time: 1,
    incarnation: other,
    level: 20,
  });
});

Deno.test("batchEvents() says where the rows stop fitting their key lists, and reads no further", () => {
  const keys = [["num", null, "level"], "not a list"];
  const good = { num: 1, incarnation: inc, level: 20 };
  assert.deepEqual(batchEvents({ keys, rows: [0, 1, 20, 0, 2, 20] }, inc), [
    good,
    { ...good, num: 2 },
  ]);
  for (const rows of [[0, 1, 20, 1, 5], [0, 1, 20, 7, 1], [0, 1, 20, 0, 2]]) {
    const out = batchEvents({ keys, rows }, inc);
    assert.deepEqual(out[0], good);
    assert.equal(out.length, 2);
    assert.match(String(out[1]), /at 3 of "rows" does not fit/);
  }
  assert.deepEqual(batchEvents({ keys: [], rows: "x" }, inc), []);
});

Deno.test("pickVersion() takes the highest version both sides speak", () => {
  assert.equal(pickVersion(undefined), 1);
  assert.equal(pickVersion([]), 1);
  assert.equal(pickVersion([1]), 1);
  assert.equal(pickVersion([1, 2]), 2);
  assert.equal(pickVersion([2, 9, 1]), 2);
});
