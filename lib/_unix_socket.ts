/**
 * Claiming a Unix socket path to listen on, safely: a stale socket is
 * replaced, a live one or a file that is not a socket is refused.
 *
 * @module
 */

/**
 * Makes `socketPath` free to listen on: a stale socket (nobody listening)
 * is removed; a live one, or anything that is not a socket, is an error.
 */
export async function claimSocketPath(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (!info.isSocket) {
    throw new Error(
      `${path} exists and is not a socket: refusing to replace it`,
    );
  }
  let conn: Deno.Conn;
  try {
    conn = await Deno.connect({ transport: "unix", path });
  } catch {
    await Deno.remove(path); // stale: nobody is listening there
    return;
  }
  conn.close();
  throw new Error(`${path}: another process is already publishing there`);
}
