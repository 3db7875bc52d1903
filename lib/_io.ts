/**
 * Small file helpers of the incident writers: whole writes, gzip into place
 * through a `.tmp` name, and a folder's names.
 *
 * @module
 */

/** Writes all of `bytes` (a single `write` may write fewer). */
export async function writeAll(
  file: { write(p: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await file.write(bytes.subarray(off));
}

/**
 * Writes `chunks` gzipped (through `CompressionStream`) to `gzPath`: first
 * to `gzPath.tmp`, then renamed into place, so `gzPath` is whole or absent.
 */
export async function writeGzip(
  chunks:
    | ReadableStream<Uint8Array<ArrayBuffer>>
    | Iterable<Uint8Array<ArrayBuffer>>,
  gzPath: string,
): Promise<void> {
  const tmpPath = gzPath + ".tmp";
  const dst = await Deno.open(tmpPath, {
    write: true,
    create: true,
    truncate: true,
  });
  try {
    const gzip = new CompressionStream("gzip");
    const piping = gzip.readable.pipeTo(dst.writable);
    if (chunks instanceof ReadableStream) {
      await chunks.pipeTo(gzip.writable);
    } else {
      const writer = gzip.writable.getWriter();
      for (const chunk of chunks) await writer.write(chunk);
      await writer.close();
    }
    await piping;
  } catch (e) {
    await Deno.remove(tmpPath).catch(() => {});
    throw e;
  }
  await Deno.rename(tmpPath, gzPath);
}

/**
 * Compresses the finished plain incident `plainPath` (`X.flog`) into
 * `X.flog.gz` (see {@linkcode writeGzip}), then removes the plain file.
 * Returns the `.gz` path.
 */
export async function compressIncident(plainPath: string): Promise<string> {
  const gzPath = plainPath + ".gz";
  await writeGzip((await Deno.open(plainPath)).readable, gzPath);
  await Deno.remove(plainPath);
  return gzPath;
}

/** The entry names in `dir` (none when it does not exist). */
export async function dirNames(dir: string): Promise<Set<string>> {
  const names = new Set<string>();
  try {
    for await (const e of Deno.readDir(dir)) names.add(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return names;
}
