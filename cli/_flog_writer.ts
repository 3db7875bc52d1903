/**
 * Writing a flogfile from the command line: magic line, header, then
 * records, plain or gzipped by the file name (`.gz`), whole or not at all
 * visible (written to `.tmp`, renamed on close).
 *
 * @module
 */

import { encodeJSON } from "../lib/event.ts";
import {
  FLOG_MAGIC,
  type FlogHeader,
  type FlogRecord,
} from "../lib/flogfile.ts";

/** A flogfile being written. */
export interface FlogWriter {
  /** Appends one record. */
  write(record: FlogRecord): Promise<void>;
  /** Finishes the file and moves it into place. */
  close(): Promise<void>;
  /** Gives up: the temporary file is removed. */
  abort(): Promise<void>;
}

/** Starts `path` (gzipped when it ends in `.gz`) with `header`. */
export async function createFlogWriter(
  path: string,
  header: FlogHeader,
): Promise<FlogWriter> {
  const tmp = `${path}.tmp`;
  const file = await Deno.open(tmp, {
    write: true,
    create: true,
    truncate: true,
  });
  const encoder = new TextEncoderStream();
  const piping =
    (path.endsWith(".gz")
      ? encoder.readable.pipeThrough(new CompressionStream("gzip"))
      : encoder.readable).pipeTo(file.writable);
  const writer = encoder.writable.getWriter();
  await writer.write(FLOG_MAGIC + encodeJSON({ header }) + "\n");
  return {
    write: (record) => writer.write(encodeJSON(record) + "\n"),
    async close() {
      await writer.close();
      await piping;
      await Deno.rename(tmp, path);
    },
    async abort() {
      await writer.abort().catch(() => {});
      await piping.catch(() => {});
      await Deno.remove(tmp).catch(() => {});
    },
  };
}
