import assert from "node:assert/strict";
import { checkedHello } from "../lib/protocol_checks.ts";

const hello = {
  t: "hello",
  v: 1,
  pid: 1,
  incarnation: ["a", null],
  versions: {},
  heartbeatMs: 1000,
  writesIncidents: true,
  time: 0,
};

Deno.test("checkedHello() keeps an absolute incidentDir", () => {
  const { hello: h, problems } = checkedHello({
    ...hello,
    incidentDir: "/var/lib/shop/incidents",
  });
  assert.equal(h.incidentDir, "/var/lib/shop/incidents");
  assert.deepEqual(problems, []);
});

Deno.test("checkedHello() drops an incidentDir that is not an absolute path, saying so", () => {
  for (const bad of ["incidents", 42, "/a\0b", "/" + "x".repeat(5000)]) {
    const { hello: h, problems } = checkedHello({ ...hello, incidentDir: bad });
    assert.equal(h.incidentDir, undefined, String(bad).slice(0, 20));
    assert.deepEqual(problems, ["incidentDir: not an absolute path: ignored"]);
  }
});
