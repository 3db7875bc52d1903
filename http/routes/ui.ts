/**
 * The web viewer's routes: its pages and embedded assets, and the login
 * (`/?token=T` once, or the form at `/login`) and `/logout` that open and
 * end a browser session. Every answer carries a strict CSP.
 *
 * @module
 */

import { ASSETS } from "../../ui/_assets.ts";
import { HttpError } from "../http_error.ts";
import type { ApiContext, Route, RouteRequest } from "../route.ts";
import { sameOrigin, type Sessions } from "../session.ts";
import { scopeOfToken } from "../scopes.ts";

/** Nothing from elsewhere, no inline script or style, no framing. */
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; " +
    "style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

/** Where the viewer's pages live (the browser routes below them). */
const PAGES = ["/", "/incidents", "/tail"];

/** One embedded file, `304` when the browser has it already. */
function asset(req: Request, name: string, status = 200): Response {
  if (!Object.hasOwn(ASSETS, name)) {
    throw new HttpError(404, `no such file: /ui/${name}`);
  }
  const a = ASSETS[name];
  const etag = `"${a.etag}"`;
  const headers = {
    ...SECURITY_HEADERS,
    "content-type": a.type,
    "cache-control": "no-cache",
    etag,
  };
  if (status === 200 && req.headers.get("if-none-match") === etag) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(a.body, { status, headers });
}

/**
 * A local path to go to after login (never another site): one `/`, no
 * backslash or control character (a TAB or CR that a browser drops would
 * make `/\t/host` another site), and staying on this origin once parsed
 * (percent-encoded when it is not ASCII); anything else is `/`.
 */
export function localPath(next: string | null): string {
  if (
    next === null || next.length > 2048 || !/^\/(?![/\\])/.test(next) ||
    /[\\\p{Cc}]/u.test(next)
  ) return "/";
  const base = "http://local.invalid";
  const u = new URL(next, base);
  if (u.origin !== base) return "/";
  // Beyond ASCII: as parsed (percent-encoded), to fit a Location header.
  return /^[\x20-\x7e]*$/.test(next) ? next : u.pathname + u.search + u.hash;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => `&#${c.charCodeAt(0)};`,
  );

/** The login form, with a message and where to go next. */
function loginPage(status: number, next: string, message?: string) {
  const body = ASSETS["login.html"].body
    .replace(
      "<!--message-->",
      message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : "",
    )
    .replace(
      'name="next" value="/"',
      `name="next" value="${escapeHtml(next)}"`,
    );
  return new Response(body, {
    status,
    headers: {
      ...SECURITY_HEADERS,
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}

function redirect(location: string, cookie?: string): Response {
  const headers = new Headers({ ...SECURITY_HEADERS, location });
  if (cookie) headers.set("set-cookie", cookie);
  return new Response(null, { status: 303, headers });
}

/**
 * The viewer's routes for an API serving `ctx`, with logins kept in
 * `sessions`. The pages themselves are open (they hold no data); what they
 * load from `/v1` needs the session.
 */
export function uiRoutes(ctx: ApiContext, sessions: Sessions): Route[] {
  /** The scope of a session logged in with `token` (a push token cannot). */
  const viewerScope = (token: string) => {
    const scope = scopeOfToken(token, ctx.token, ctx.tokens);
    return scope === "push" ? undefined : scope;
  };
  const page = (req: Request, { url }: RouteRequest) => {
    const token = url.searchParams.get("token");
    if (token === null) return asset(req, "index.html");
    const scope = viewerScope(token);
    if (scope === undefined) {
      return loginPage(401, "/", "That link's token is wrong or old.");
    }
    url.searchParams.delete("token");
    return redirect(
      url.pathname + url.search,
      sessions.cookie(sessions.create(scope), url),
    );
  };
  const logout = (req: Request, { url }: RouteRequest) => {
    sessions.end(req);
    return redirect("/login", sessions.clearCookie(url));
  };
  return [
    ...PAGES.map((path) => ({
      path,
      public: true,
      methods: { GET: page },
    })),
    { path: "/incidents/", prefix: true, public: true, methods: { GET: page } },
    { path: "/groups/", prefix: true, public: true, methods: { GET: page } },
    {
      path: "/ui/",
      prefix: true,
      public: true,
      methods: { GET: (req, { rest }) => asset(req, rest) },
    },
    {
      path: "/login",
      public: true,
      methods: {
        GET: (_req, { url }) =>
          loginPage(200, localPath(url.searchParams.get("next"))),
        POST: async (req, { url, body }) => {
          if (!sameOrigin(req)) {
            throw new HttpError(403, "log in from this server's own page");
          }
          const form = new URLSearchParams(
            new TextDecoder().decode(await body()),
          );
          const next = localPath(form.get("next"));
          const scope = viewerScope(form.get("token") ?? "");
          if (scope === undefined) {
            return loginPage(401, next, "Wrong token.");
          }
          return redirect(
            next,
            sessions.cookie(sessions.create(scope), url),
          );
        },
      },
    },
    { path: "/logout", public: true, methods: { GET: logout, POST: logout } },
  ];
}
