/**
 * Peer URLs (sources, webhooks) are shown: in `/healthz`, metrics labels,
 * reports and each pulled incident's `source`. So they may not carry
 * credentials: a URL with `user:password@` is refused, and its token is
 * given in a file instead.
 *
 * @module
 */

/** Throws a `TypeError` naming `what` when `url` has a user or password. */
export function refuseUserinfo(url: string, what: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return; // not a URL: refused elsewhere, when it is used
  }
  if (u.username === "" && u.password === "") return;
  throw new TypeError(
    `${what} ${u.protocol}//…@${u.host}: a URL with user:password@ is refused ` +
      "(URLs are shown in /healthz, metrics and logs); give its token in a file",
  );
}
