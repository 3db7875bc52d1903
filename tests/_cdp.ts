/**
 * A small DevTools-protocol client for the browser tests and the viewer
 * bench: launches Debian's headless chromium, opens pages, evaluates, waits
 * for the DOM, takes screenshots, and closes everything it started.
 *
 * @module
 */

/** Where Debian installs chromium (CI installs it through `.ci/run`). */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether chromium is installed. */
export function hasChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

import { CdpError, Page } from "./_cdp_page.ts";
import { deadline } from "./_util.ts";

export { CdpError, Page };

type Pending = {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  method: string;
};
/** A handler of protocol events. */
export type Listener = (
  params: Record<string, unknown>,
  session?: string,
) => void;

/** A headless chromium and its one protocol connection. */
export class Browser implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #dir: string;
  readonly #ws: WebSocket;
  readonly #closed: Promise<void>;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<string, Set<Listener>>();
  #nextId = 1;

  private constructor(child: Deno.ChildProcess, dir: string, ws: WebSocket) {
    this.#child = child;
    this.#dir = dir;
    this.#ws = ws;
    this.#closed = new Promise((resolve) => {
      ws.onclose = () => {
        for (const p of this.#pending.values()) {
          p.reject(new CdpError(`${p.method}: the browser went away`));
        }
        this.#pending.clear();
        resolve();
      };
    });
    ws.onmessage = (m) => this.#receive(JSON.parse(String(m.data)));
  }

  /** Starts chromium headless with a fresh profile, and connects to it. */
  static async launch(timeoutMs = 30_000): Promise<Browser> {
    const dir = await Deno.makeTempDir({ prefix: "flightlog-chromium-" });
    const child = new Deno.Command(CHROMIUM, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--window-size=1280,900",
        `--user-data-dir=${dir}`,
        "--remote-debugging-port=0",
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const line = await deadline(
        Browser.#activePort(dir, child.status),
        "chromium's DevToolsActivePort",
        timeoutMs,
      );
      const [port, path] = line.split("\n");
      const ws = new WebSocket(`ws://127.0.0.1:${port.trim()}${path.trim()}`);
      await deadline(
        new Promise<void>((resolve, reject) => {
          ws.onopen = () => resolve();
          ws.onerror = () => reject(new CdpError("cannot connect to chromium"));
        }),
        "the DevTools connection",
        timeoutMs,
      );
      return new Browser(child, dir, ws);
    } catch (e) {
      child.kill("SIGKILL");
      await child.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw e;
    }
  }

  /** Waits for the file chromium writes once it listens; fails if it exits. */
  static async #activePort(
    dir: string,
    exited: Promise<Deno.CommandStatus>,
  ): Promise<string> {
    let gone = false;
    exited.then(() => gone = true);
    for (let i = 0; i < 3000; i++) {
      if (gone) throw new CdpError("chromium exited at start");
      try {
        const text = await Deno.readTextFile(`${dir}/DevToolsActivePort`);
        if (text.includes("\n")) return text;
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new CdpError("chromium never wrote DevToolsActivePort");
  }

  #receive(msg: Record<string, unknown>) {
    if (typeof msg.id === "number") {
      const p = this.#pending.get(msg.id);
      if (p === undefined) return;
      this.#pending.delete(msg.id);
      const err = msg.error as { message?: string } | undefined;
      if (err) p.reject(new CdpError(`${p.method}: ${err.message}`));
      else p.resolve((msg.result ?? {}) as Record<string, unknown>);
      return;
    }
    const params = (msg.params ?? {}) as Record<string, unknown>;
    for (const l of this.#listeners.get(String(msg.method)) ?? []) {
      l(params, msg.sessionId as string | undefined);
    }
  }

  /** Sends one protocol command (to a page when `session` is given). */
  send(
    method: string,
    params: Record<string, unknown> = {},
    session?: string,
    timeoutMs = 30_000,
  ): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, method });
    });
    this.#ws.send(JSON.stringify({ id, method, params, sessionId: session }));
    return deadline(reply, method, timeoutMs).finally(() =>
      this.#pending.delete(id)
    );
  }

  /** Calls `fn` for each `method` event; returns the unsubscribe. */
  on(method: string, fn: Listener): () => void {
    let set = this.#listeners.get(method);
    if (set === undefined) this.#listeners.set(method, set = new Set());
    set.add(fn);
    return () => set.delete(fn);
  }

  /** A new tab, `width` x `height` CSS pixels, dark or light. */
  async newPage(
    options: { width?: number; height?: number; dark?: boolean } = {},
  ): Promise<Page> {
    const { targetId } = await this.send("Target.createTarget", {
      url: "about:blank",
    });
    const { sessionId } = await this.send("Target.attachToTarget", {
      targetId,
      flatten: true,
    });
    const page = new Page(this, String(targetId), String(sessionId));
    await page.send("Page.enable");
    await page.send("Runtime.enable");
    await page.send("Emulation.setDeviceMetricsOverride", {
      width: options.width ?? 1280,
      height: options.height ?? 860,
      deviceScaleFactor: 1,
      mobile: false,
    });
    await page.send("Emulation.setEmulatedMedia", {
      features: [{
        name: "prefers-color-scheme",
        value: options.dark ? "dark" : "light",
      }],
    });
    return page;
  }

  /** Closes the browser, its connection and its profile folder. */
  async close(): Promise<void> {
    try {
      await this.send("Browser.close", {}, undefined, 5_000);
    } catch { /* it may close the socket before answering */ }
    const exited = await deadline(this.#child.status, "chromium exit", 10_000)
      .then(() => true, () => false);
    if (!exited) {
      this.#child.kill("SIGKILL");
      await this.#child.status;
    }
    if (this.#ws.readyState !== WebSocket.CLOSED) this.#ws.close();
    await this.#closed;
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }

  /** Same as {@linkcode Browser.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
