/**
 * The set-up of the browser tests: a real sidecar (a subprocess, with the
 * test app publishing to it and incidents in its store) and a headless
 * chromium logged in to its viewer; screenshots go to
 * `$FLIGHTLOG_SCREENSHOTS` (default `test-artifacts/screenshots/`).
 */

import { Browser, type Page } from "./_cdp.ts";
import { writeShopIncident } from "./_incidents.ts";
import { Proc, ROOT } from "./_util.ts";

/** Where the screenshots of the tests go. */
export const SCREENSHOTS = Deno.env.get("FLIGHTLOG_SCREENSHOTS") ??
  `${ROOT}test-artifacts/screenshots`;

/** Saves a screenshot of `page` as `SCREENSHOTS/name.png`. */
export async function shot(page: Page, name: string): Promise<void> {
  // Fonts and the last frame settle before the picture is taken.
  await page.evaluate(
    "document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => r(0))))",
  );
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot(`${SCREENSHOTS}/${name}.png`);
}

/** A sidecar with its viewer, an app, and a browser. */
export interface Viewer extends AsyncDisposable {
  /** The sidecar's base URL (`http://127.0.0.1:PORT`). */
  url: string;
  /** Its bearer token. */
  token: string;
  /** The store's folder. */
  store: string;
  /** The name of the shop incident in the store. */
  shop: string;
  /** The test app (`tests/apps/publishing_app.ts`), connected. */
  app: Proc;
  /** The browser. */
  browser: Browser;
  /** A new tab, logged in through `/?token=`. */
  page(options?: { dark?: boolean; width?: number }): Promise<Page>;
  /** Saves a screenshot of `page` as `name.png`. */
  shot(page: Page, name: string): Promise<void>;
  /** The API's JSON answer for `path`, with the bearer token. */
  get(path: string): Promise<Response>;
}

/** Starts the sidecar, the app and chromium; everything ends on dispose. */
export async function startViewer(): Promise<Viewer> {
  const dir = await Deno.makeTempDir({ prefix: "flightlog-ui-" });
  const store = `${dir}/store`;
  await Deno.mkdir(store);
  const shop = await writeShopIncident(store);
  const socket = `${dir}/app.sock`;
  const app = new Proc([
    "run",
    "-A",
    `${ROOT}tests/apps/publishing_app.ts`,
    socket,
  ], true);
  const procs: Proc[] = [app];
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close();
    for (const p of procs.reverse()) await p.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await app.waitFor("READY ");
    const sidecar = new Proc([
      "run",
      "-A",
      `${ROOT}cli/flightlog.ts`,
      "sidecar",
      "--dir",
      store,
      "--socket",
      socket,
      "--listen",
      "127.0.0.1:0",
      "--trailing-ms",
      "200",
    ]);
    procs.push(sidecar);
    const url = await sidecar.waitFor("flightlog sidecar listening on ");
    const token = (await Deno.readTextFile(`${store}/token`)).trim();
    await app.command("wait-reader");
    browser = await Browser.launch();
    const b = browser;
    return {
      url,
      token,
      store,
      shop,
      app,
      browser: b,
      async page(options = {}) {
        const page = await b.newPage(options);
        await page.goto(`${url}/?token=${token}`);
        return page;
      },
      shot,
      get: (path) =>
        fetch(url + path, { headers: { authorization: `Bearer ${token}` } }),
      [Symbol.asyncDispose]: stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
