import assert from "node:assert/strict";
import { parseHeader, parseHeadersFile } from "../cli/_otlp_headers.ts";
import { traceUrlOf } from "../cli/_otlp_flags.ts";

Deno.test("parseHeader() and parseHeadersFile() read NAME=VALUE and name bad lines", () => {
  assert.deepEqual(parseHeader("--otlp-header", "Authorization=Bearer a=b"), [
    "authorization",
    "Bearer a=b",
  ]);
  assert.throws(
    () => parseHeader("--otlp-header", "no value here"),
    /--otlp-header: expected NAME=VALUE/,
  );
  assert.throws(
    () => parseHeadersFile("h.txt", "# c\n\nk: v\nbad line\n"),
    /h\.txt:4: expected NAME=VALUE/,
  );
});

Deno.test("traceUrlOf() takes an http(s) URL with {trace_id}, and names the flag otherwise", () => {
  const t = "https://tempo.example/trace/{trace_id}";
  assert.equal(traceUrlOf("--trace-url", t), t);
  assert.equal(traceUrlOf("--trace-url", undefined), undefined);
  for (
    const bad of ["https://tempo.example/trace", "javascript:{trace_id}", 7]
  ) {
    assert.throws(
      () => traceUrlOf("--trace-url", bad),
      /--trace-url: expected an http\(s\) URL with \{trace_id\}/,
    );
  }
});
