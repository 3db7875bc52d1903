/**
 * Small I/O helpers: whole writes, UTF-8 into a reused buffer, synced writes
 * and gzip into place through a `.tmp` name, and a folder's names.
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
 * UTF-8 encoding into one buffer reused from call to call (grown when a text
 * needs more, and let go after a rare huge one): no new byte array per
 * write. Each result is a view that the next call overwrites.
 */
export class ReusedEncoder {
  readonly #encoder = new TextEncoder();
  #buffer = new Uint8Array(SMALL);

  /** `text` in UTF-8, valid until the next call. */
  encode(text: string): Uint8Array {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const most = text.length * 3;
    if (this.#buffer.length < most) {
      this.#buffer = new Uint8Array(Math.max(most, this.#buffer.length * 2));
    } else if (this.#buffer.length > LARGE && most <= SMALL) {
      this.#buffer = new Uint8Array(SMALL);
    }
    const { written } = this.#encoder.encodeInto(text, this.#buffer);
    return this.#buffer.subarray(0, written);
  }
}
const SMALL = 64 * 1024;
const LARGE = 1 << 20;

/**
 * Writes `bytes` to a new file at `path`, synced to disk when this
 * resolves. On failure the file is removed and the error thrown.
 */
export async function writeSynced(
  path: string,
  bytes: Uint8Array,
): Promise<void> {
  try {
    const file = await Deno.open(path, {
      write: true,
      create: true,
      truncate: true,
    });
    try {
      await writeAll(file, bytes);
      await file.sync();
    } finally {
      file.close();
    }
  } catch (e) {
    await Deno.remove(path).catch(() => {});
    throw e;
  }
}

/**
 * Syncs the folder holding `path` to disk: the entries made, renamed or
 * removed in it survive a power loss once this resolves.
 */
export async function syncFolderOf(path: string): Promise<void> {
  if (Deno.build.os === "windows") return; // no folder handles to sync
  const slash = path.lastIndexOf("/");
  using dir = await Deno.open(
    slash <= 0 ? (slash === 0 ? "/" : ".") : path.slice(0, slash),
  );
  try {
    await dir.sync();
  } catch (e) {
    // Some file systems (network, FUSE) cannot sync a folder; as SQLite
    // does, that is taken as done.
    if (
      !(e instanceof Deno.errors.InvalidData ||
        e instanceof Deno.errors.NotSupported ||
        /os error (22|95)\b/.test(String(e)))
    ) throw e;
  }
}

/**
 * Renames `from` to `to` (in one folder) and syncs that folder: the new
 * name survives a power loss once this resolves.
 */
export async function renameSynced(from: string, to: string): Promise<void> {
  await Deno.rename(from, to);
  await syncFolderOf(to);
}

/**
 * Writes `bytes` to `path` durably: to `path.tmp`, synced, then renamed into
 * place (the folder synced too), so `path` is whole or absent and survives a
 * crash or a power loss once this resolves. On failure the `.tmp` is removed
 * and the error thrown.
 */
export async function writeFileSynced(
  path: string,
  bytes: Uint8Array,
): Promise<void> {
  const tmpPath = path + ".tmp";
  await writeSynced(tmpPath, bytes);
  try {
    await renameSynced(tmpPath, path);
  } catch (e) {
    await Deno.remove(tmpPath).catch(() => {});
    throw e;
  }
}

/**
 * Writes `chunks` gzipped (through `CompressionStream`) to `gzPath`: first
 * to `gzPath.tmp`, then renamed into place, so `gzPath` is whole or absent.
 * Every write is checked (a short write is continued, so a full disk is an
 * error, never a silently short file), the file is synced, and its size is
 * checked against what was written before it is renamed. On any failure the
 * `.tmp` is removed and the error thrown.
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
  let closed = false;
  let feeding: Promise<void> | undefined;
  try {
    const gzip = new CompressionStream("gzip");
    feeding = chunks instanceof ReadableStream
      ? chunks.pipeTo(gzip.writable)
      : (async () => {
        const writer = gzip.writable.getWriter();
        for (const chunk of chunks) await writer.write(chunk);
        await writer.close();
      })();
    // Not `pipeTo(dst.writable)`: it does not report a short write.
    let written = 0;
    for await (const compressed of gzip.readable) {
      await writeAll(dst, compressed);
      written += compressed.length;
    }
    await feeding;
    await dst.sync();
    const size = (await dst.stat()).size;
    dst.close();
    closed = true;
    if (size !== written) {
      throw new Error(
        `${tmpPath}: ${size} bytes on disk, ${written} written (disk full?)`,
      );
    }
  } catch (e) {
    // Leaving the loop cancelled the gzip stream, and so the source.
    await feeding?.catch(() => {});
    if (!closed) dst.close();
    await Deno.remove(tmpPath).catch(() => {});
    throw e;
  }
  await renameSynced(tmpPath, gzPath);
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

/**
 * Whether `e` says the disk (or the user's quota) is full: a file write's
 * `ENOSPC`/`EDQUOT`, or SQLite's "database or disk is full".
 */
export function isDiskFull(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  return code === "ENOSPC" || code === "EDQUOT" ||
    e.message.includes("database or disk is full");
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
