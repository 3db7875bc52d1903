// @ts-check
/// <reference lib="dom" />
/**
 * The viewer's calls to the `/v1` API: JSON requests with the session
 * cookie, and server-sent event streams; a 401 sends the user to `/login`.
 *
 * @module
 */

/** An API answer other than 2xx. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** The login form's address, coming back to this page afterwards. */
export function loginHref() {
  const next = location.pathname + location.search + location.hash;
  return `/login?next=${encodeURIComponent(next)}`;
}

/** Sends the user to the login form, coming back here afterwards. */
export function toLogin() {
  location.assign(loginHref());
}

/**
 * The JSON answer of `path`; throws an `ApiError` for a non-2xx status.
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<any>}
 */
export async function api(path, init = {}) {
  const res = await fetch(path, {
    ...init,
    credentials: "same-origin",
    headers: { accept: "application/json", ...init.headers },
  });
  if (res.status === 401) {
    toLogin();
    throw new ApiError(401, "not logged in");
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).error ?? message;
    } catch { /* not JSON */ }
    throw new ApiError(res.status, message);
  }
  return await res.json();
}

/**
 * A JSON body sent with `method` (PATCH, POST).
 * @param {string} path
 * @param {string} method
 * @param {unknown} body
 */
export function send(path, method, body) {
  return api(path, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/**
 * Subscribes to a server-sent event stream; `onEvent(type, data)` gets each
 * named event with its JSON data, `onState` the connection state. Returns the
 * close function. EventSource reconnects by itself (the server says
 * `retry: 1000`) and sends `Last-Event-ID`, so nothing is missed.
 * @param {string} path
 * @param {string[]} types
 * @param {(type: string, data: any) => void} onEvent
 * @param {(state: "live" | "reconnecting" | "unavailable") => void} [onState]
 */
export function stream(path, types, onEvent, onState = () => {}) {
  const source = new EventSource(path, { withCredentials: true });
  source.onopen = () => onState("live");
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      onState("unavailable");
      // EventSource hides the status: a 401 (logged out) goes to the login.
      api("/v1/incidents?limit=1").catch(() => {});
    } else onState("reconnecting");
  };
  for (const type of types) {
    source.addEventListener(type, (e) => {
      const m = /** @type {MessageEvent} */ (e);
      let data;
      try {
        data = JSON.parse(m.data);
      } catch {
        return;
      }
      onEvent(type, data);
    });
  }
  return () => source.close();
}

/**
 * A query string of the non-empty values in `params` (with its `?`).
 * @param {Record<string, string | number | undefined>} params
 */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}
