/**
 * Whether a store's folder changed since the store last closed: its mtime
 * (which adding, renaming or removing any file changes) is noted at close,
 * so that the next open need not read a folder of 100,000 incidents again.
 *
 * @module
 */

/** Where a closed store notes its folder's mtime. */
const CLOSED_STATE = "index.closed";

/**
 * Whether the folder is as the store left it when it last closed (its
 * mtime, which any file added, renamed or removed changes, is the one noted
 * then); a crash, or anyone else's change, means reading it again.
 */
export async function folderUntouched(dir: string): Promise<boolean> {
  try {
    const noted = JSON.parse(await Deno.readTextFile(`${dir}/${CLOSED_STATE}`));
    const now = (await Deno.stat(dir)).mtime?.getTime();
    return now !== undefined && noted?.mtime === now;
  } catch {
    return false;
  }
}

/** Notes the folder's mtime, once the index is closed (its files gone). */
export async function markFolder(dir: string): Promise<void> {
  const path = `${dir}/${CLOSED_STATE}`;
  try {
    // Made first, then written in place: writing it changes no mtime.
    await Deno.writeTextFile(path, "", { append: true });
    const mtime = (await Deno.stat(dir)).mtime?.getTime();
    const file = await Deno.open(path, { write: true, truncate: true });
    try {
      await file.write(new TextEncoder().encode(JSON.stringify({ mtime })));
    } finally {
      file.close();
    }
  } catch { /* next open reads the folder */ }
}
