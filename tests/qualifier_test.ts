import assert from "node:assert/strict";
import type { FlogEvent } from "../lib/flog_event.ts";
import { Level } from "../lib/levels.ts";
import {
  allOf,
  anyOf,
  atLeast,
  byFacility,
  defaultQualifier,
  never,
  toPredicate,
} from "../lib/qualifier.ts";

const ev = (level: number, facility?: string): FlogEvent => ({
  num: 0,
  time: 0,
  incarnation: ["x", null],
  level,
  facility,
  message: "m",
});

Deno.test("defaultQualifier fires from WEIRD up", () => {
  assert.equal(defaultQualifier(ev(Level.CURIOUS)), false);
  assert.equal(defaultQualifier(ev(Level.WEIRD)), true);
  assert.equal(defaultQualifier(ev(Level.BAD)), true);
});

Deno.test("atLeast() compares the level, never() refuses all", () => {
  assert.equal(atLeast(23)(ev(22)), false);
  assert.equal(atLeast(23)(ev(23)), true);
  assert.equal(never(ev(Level.BAD)), false);
});

Deno.test("byFacility() picks the rule of the longest facility prefix, else the fallback", () => {
  const q = byFacility(
    { "app/cache": never, "app/pay": atLeast(Level.UNUSUAL) },
    defaultQualifier,
  );
  assert.equal(q(ev(Level.BAD, "app/cache/redis")), false);
  assert.equal(q(ev(Level.UNUSUAL, "app/pay")), true);
  assert.equal(q(ev(Level.UNUSUAL, "app/http")), false);
  assert.equal(q(ev(Level.WEIRD, "app/http")), true);
});

Deno.test("anyOf() and allOf() combine predicates", () => {
  const low = atLeast(20);
  const db = (e: FlogEvent) => e.facility === "db";
  assert.equal(anyOf(never, db)(ev(10, "db")), true);
  assert.equal(anyOf(never, db)(ev(10, "net")), false);
  assert.equal(allOf(low, db)(ev(20, "db")), true);
  assert.equal(allOf(low, db)(ev(10, "db")), false);
});

Deno.test("toPredicate() accepts a function or an object with qualify()", () => {
  assert.equal(toPredicate({ qualify: (e) => e.level > 5 })(ev(6)), true);
  assert.equal(toPredicate(never)(ev(6)), false);
});
