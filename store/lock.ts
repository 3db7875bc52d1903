/**
 * One store, one owner: a store's folder is locked while a store has it
 * open. The lock is an exclusive advisory lock on the file `DIR/lock`, held
 * open for as long as the store is, and holding the owner's pid and start
 * time. The system drops the lock when its process ends, however it ends
 * (SIGKILL included), so a lock left behind never blocks the next start.
 *
 * @module
 */

/** The lock file's name in a store's folder. */
export const LOCK_FILE = "lock";

/** What the lock file says of its owner. */
export interface LockOwner {
  /** The owner's process id. */
  pid: number;
  /** When it took the lock (ISO 8601). */
  started: string;
  /** The host it runs on. */
  host?: string;
}

/**
 * The store's folder is held by another process (or another store in this
 * one); its message names the owner's pid and how to stop it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { StoreLockedError } from "@flightlog/flightlog/store";
 * const e = new StoreLockedError("/var/lib/x", { pid: 42, started: "2026-01-01T00:00:00.000Z" });
 * assert.match(e.message, /pid 42/);
 * ```
 */
export class StoreLockedError extends Error {
  /** The folder. */
  readonly dir: string;
  /** Its owner, when the lock file could be read. */
  readonly owner: LockOwner | undefined;

  /** `dir` is held by `owner`. */
  constructor(dir: string, owner: LockOwner | undefined) {
    super(
      owner === undefined
        ? `${dir} is in use by another flightlog process; stop it first, or choose another folder`
        : `${dir} is in use by pid ${owner.pid}${
          owner.host ? ` on ${owner.host}` : ""
        } (since ${owner.started}); stop it first (kill ${owner.pid}), or choose another folder`,
    );
    this.name = "StoreLockedError";
    this.dir = dir;
    this.owner = owner;
  }
}

function hostname(): string | undefined {
  try {
    return Deno.hostname();
  } catch {
    return undefined;
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  // The owner writes its line right after locking: a few tries cover the
  // moment in between.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const owner = JSON.parse(await Deno.readTextFile(path));
      if (typeof owner?.pid === "number") return owner;
    } catch { /* being written */ }
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

/**
 * The lock on a store's folder. {@linkcode StoreLock.take} it when the store
 * opens; release it when the store closes.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { StoreLock, StoreLockedError } from "@flightlog/flightlog/store";
 * const dir = await Deno.makeTempDir();
 * const lock = await StoreLock.take(dir);
 * await assert.rejects(StoreLock.take(dir), StoreLockedError);
 * lock.release();
 * (await StoreLock.take(dir)).release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class StoreLock implements Disposable {
  #file: Deno.FsFile | undefined;

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * Locks `dir` (which must exist) for this process, or throws a
   * {@linkcode StoreLockedError} naming the process that holds it.
   */
  static async take(dir: string): Promise<StoreLock> {
    const path = `${dir}/${LOCK_FILE}`;
    // Never truncated on open and never removed: whoever holds the lock
    // owns the one file, and its content.
    const file = await Deno.open(path, {
      read: true,
      write: true,
      create: true,
      mode: 0o644,
    });
    try {
      if (!(await file.tryLock(true))) {
        throw new StoreLockedError(dir, await readOwner(path));
      }
      const owner: LockOwner = {
        pid: Deno.pid,
        started: new Date().toISOString(),
        host: hostname(),
      };
      await file.truncate(0);
      await file.seek(0, Deno.SeekMode.Start);
      await file.write(new TextEncoder().encode(JSON.stringify(owner) + "\n"));
    } catch (e) {
      file.close();
      throw e;
    }
    return new StoreLock(file);
  }

  /** Gives the folder up (the file stays, for the next owner). */
  release(): void {
    this.#file?.close();
    this.#file = undefined;
  }

  /** Same as {@linkcode release}. */
  [Symbol.dispose](): void {
    this.release();
  }
}
