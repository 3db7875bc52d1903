/**
 * Splits text into lines. A small stand-in for `@std/streams`'
 * `TextLineStream` (JSR is not reachable here); swap it in when it is.
 *
 * @module
 */

/**
 * Splits text arriving in pieces into lines (without their `\n`; a trailing
 * `\r` is kept). Use it directly where a stream pipeline could drop queued
 * data on error; otherwise {@linkcode LineStream} wraps it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { LineSplitter } from "./lines.ts";
 * const s = new LineSplitter();
 * assert.deepEqual(s.push("a\nb"), ["a"]);
 * assert.deepEqual(s.push("c\n"), ["bc"]);
 * assert.equal(s.end(), undefined);
 * ```
 */
export class LineSplitter {
  #rest = "";
  #line = 0;
  // While a line is over the limit: its length so far (it is not kept).
  #skipping = -1;
  readonly #max: number;
  readonly #onOversized: ((line: number, length: number) => void) | undefined;

  /**
   * A splitter. With `maxLength`, a line longer than that many characters
   * is not kept: it comes out as an empty line (so line numbers hold), and
   * `onOversized` is told its number and length. Memory stays bounded by
   * the limit, however long the line.
   */
  constructor(options: {
    maxLength?: number;
    onOversized?: (line: number, length: number) => void;
  } = {}) {
    this.#max = options.maxLength ?? Infinity;
    this.#onOversized = options.onOversized;
  }

  /** Adds text; returns the lines it completes. */
  push(text: string): string[] {
    const parts = text.split("\n");
    const done = parts.length - 1;
    if (this.#skipping >= 0 || this.#max !== Infinity) {
      return this.#pushBounded(parts);
    }
    this.#line += done;
    if (done === 0) {
      this.#rest += text;
      return [];
    }
    parts[0] = this.#rest + parts[0];
    this.#rest = parts.pop()!;
    return parts;
  }

  #pushBounded(parts: string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      if (this.#skipping >= 0) this.#skipping += parts[i].length;
      else this.#rest += parts[i];
      if (this.#skipping < 0 && this.#rest.length > this.#max) {
        this.#skipping = this.#rest.length;
        this.#rest = "";
      }
      if (last) break;
      this.#line++;
      if (this.#skipping >= 0) {
        this.#onOversized?.(this.#line, this.#skipping);
        this.#skipping = -1;
        out.push("");
      } else {
        out.push(this.#rest);
      }
      this.#rest = "";
    }
    return out;
  }

  /** The text after the last newline, if any (a cut last line). */
  end(): string | undefined {
    if (this.#skipping >= 0) {
      this.#onOversized?.(++this.#line, this.#skipping);
      this.#skipping = -1;
      return undefined;
    }
    const rest = this.#rest;
    this.#rest = "";
    return rest === "" ? undefined : rest;
  }
}

/**
 * A `TransformStream` from text chunks to lines. Text after the last
 * newline is emitted at the end, so a cut last line reaches the reader,
 * which can judge it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { LineStream } from "./lines.ts";
 * const lines = await Array.fromAsync(
 *   ReadableStream.from(["a\nb", "c\n", "d"]).pipeThrough(new LineStream()),
 * );
 * assert.equal(lines.join("|"), "a|bc|d");
 * ```
 */
export class LineStream extends TransformStream<string, string> {
  /** Creates the stream. */
  constructor() {
    const splitter = new LineSplitter();
    super({
      transform(chunk, controller) {
        for (const line of splitter.push(chunk)) controller.enqueue(line);
      },
      flush(controller) {
        const rest = splitter.end();
        if (rest !== undefined) controller.enqueue(rest);
      },
    });
  }
}
