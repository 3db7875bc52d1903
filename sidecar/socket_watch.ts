/**
 * Waiting for the app's socket file to appear, so that an app that starts is
 * connected to at once rather than at the next backoff step.
 *
 * @module
 */

/**
 * Resolves when `path` is created (watching its folder), `ms` pass, or
 * `signal` aborts, whichever comes first; never rejects.
 */
export async function waitForPath(
  path: string,
  { ms, signal }: { ms: number; signal: AbortSignal },
): Promise<void> {
  if (signal.aborted) return;
  let watcher: Deno.FsWatcher | undefined;
  try {
    watcher = Deno.watchFs(path.slice(0, path.lastIndexOf("/")) || "/", {
      recursive: false,
    });
  } catch { /* no folder (yet): just wait */ }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  const created = (async () => {
    if (watcher === undefined) return await timeout;
    for await (const e of watcher) {
      if (e.kind === "create" && e.paths.includes(path)) return;
    }
  })();
  await Promise.race([timeout, created]);
  clearTimeout(timer);
  try {
    watcher?.close();
  } catch { /* closed */ }
  await created.catch(() => {});
}
