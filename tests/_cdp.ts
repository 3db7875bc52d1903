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

/** An error the browser reported for a protocol call or an evaluation. */
export class CdpError extends Error {
  override name = "CdpError";
}

type Pending = {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  method: string;
};
type Listener = (params: Record<string, unknown>, session?: string) => void;

/** Resolves with `promise`, or rejects naming `what` after `ms`. */
async function within<T>(promise: Promise<T>, what: string, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${ms} ms: ${what}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

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
      const line = await within(
        Browser.#activePort(dir, child.status),
        "chromium's DevToolsActivePort",
        timeoutMs,
      );
      const [port, path] = line.split("\n");
      const ws = new WebSocket(`ws://127.0.0.1:${port.trim()}${path.trim()}`);
      await within(
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
    return within(reply, method, timeoutMs).finally(() =>
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
    const exited = await within(this.#child.status, "chromium exit", 10_000)
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

/** One tab, attached through a flat session. */
export class Page {
  readonly #browser: Browser;
  readonly targetId: string;
  readonly session: string;
  /** Uncaught exceptions and `console.error` calls seen in the page. */
  readonly errors: string[] = [];

  constructor(browser: Browser, targetId: string, session: string) {
    this.#browser = browser;
    this.targetId = targetId;
    this.session = session;
    browser.on("Runtime.exceptionThrown", (p, s) => {
      if (s !== session) return;
      const d = p.exceptionDetails as {
        text: string;
        exception?: { description?: string };
      };
      this.errors.push(d.exception?.description ?? d.text);
    });
    browser.on("Runtime.consoleAPICalled", (p, s) => {
      if (s !== session || p.type !== "error") return;
      const args = p.args as { value?: unknown; description?: string }[];
      this.errors.push(
        args.map((a) => String(a.value ?? a.description)).join(" "),
      );
    });
  }

  /** Sends a protocol command to this page. */
  send(
    method: string,
    params: Record<string, unknown> = {},
    timeoutMs = 30_000,
  ): Promise<Record<string, unknown>> {
    return this.#browser.send(method, params, this.session, timeoutMs);
  }

  /** Navigates to `url` and waits for its load event. */
  async goto(url: string, timeoutMs = 30_000): Promise<void> {
    let off = () => {};
    const loaded = new Promise<void>((resolve) => {
      off = this.#browser.on("Page.loadEventFired", (_, s) => {
        if (s === this.session) resolve();
      });
    });
    try {
      const r = await this.send("Page.navigate", { url });
      if (r.errorText) throw new CdpError(`${url}: ${r.errorText}`);
      // A change of the #fragment alone loads nothing.
      if (r.loaderId !== undefined) {
        await within(loaded, `load of ${url}`, timeoutMs);
      }
    } finally {
      off();
    }
  }

  /** The value of `expression` (awaited when it is a promise). */
  async evaluate<T = unknown>(
    expression: string,
    timeoutMs = 30_000,
  ): Promise<T> {
    const r = await this.send("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    }, timeoutMs);
    const ex = r.exceptionDetails as
      | { text: string; exception?: { description?: string } }
      | undefined;
    if (ex) {
      throw new CdpError(
        `${expression.slice(0, 80)}: ${ex.exception?.description ?? ex.text}`,
      );
    }
    return (r.result as { value: T }).value;
  }

  /**
   * Waits until `predicate` (a JavaScript expression) is truthy in the page,
   * re-checking on each DOM change (and every 100 ms), at most `timeoutMs`;
   * returns its value.
   * A navigation on the way (a form sent, a redirect) starts the wait again
   * in the new document.
   */
  async waitFor<T = unknown>(
    predicate: string,
    timeoutMs = 15_000,
  ): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        const left = end - Date.now();
        return await this.evaluate<T>(
          this.#waiter(predicate, left),
          left + 5000,
        );
      } catch (e) {
        const gone = /context was destroyed|Cannot find context|navigated/i;
        if (!gone.test(String(e)) || Date.now() >= end) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new CdpError(`too many navigations waiting for ${predicate}`);
  }

  #waiter(predicate: string, ms: number): string {
    const what = `timed out waiting for: ${predicate} in `;
    return `new Promise((resolve, reject) => {
      const test = () => { try { return (${predicate}); } catch { return false; } };
      let obs, timer, poll;
      const stop = () => { obs.disconnect(); clearTimeout(timer); clearInterval(poll); };
      const check = () => {
        const v = test();
        if (!v) return;
        stop();
        resolve(v);
      };
      obs = new MutationObserver(check);
      obs.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
      // What is not in the DOM (timings, scroll positions) is polled.
      poll = setInterval(check, 100);
      timer = setTimeout(() => {
        stop();
        reject(new Error(${JSON.stringify(what)} + location.href + "\\n" +
          (document.body?.innerText ?? "").slice(0, 600)));
      }, ${Math.max(1, ms)});
      check();
    })`;
  }

  /** Waits for an element matching `selector`; returns how many match. */
  waitForSelector(selector: string, timeoutMs = 15_000): Promise<number> {
    return this.waitFor<number>(
      `document.querySelectorAll(${JSON.stringify(selector)}).length`,
      timeoutMs,
    );
  }

  /** How many elements match `selector` now. */
  count(selector: string): Promise<number> {
    return this.evaluate<number>(
      `document.querySelectorAll(${JSON.stringify(selector)}).length`,
    );
  }

  /** Types `text` into the focused element, as key events. */
  async type(text: string): Promise<void> {
    for (const ch of text) {
      await this.send("Input.dispatchKeyEvent", { type: "keyDown", text: ch });
      await this.send("Input.dispatchKeyEvent", { type: "keyUp", text: ch });
    }
  }

  /** Presses one key (`"j"`, `"/"`, `"Escape"`). */
  async press(key: string): Promise<void> {
    const text = key.length === 1 ? key : undefined;
    await this.send("Input.dispatchKeyEvent", { type: "keyDown", key, text });
    await this.send("Input.dispatchKeyEvent", { type: "keyUp", key });
  }

  /** Saves a PNG of the viewport to `path`. */
  async screenshot(path: string): Promise<void> {
    const { data } = await this.send("Page.captureScreenshot", {
      format: "png",
    });
    const bin = atob(String(data));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    await Deno.writeFile(path, bytes);
  }

  /** Closes the tab. */
  async close(): Promise<void> {
    await this.#browser.send("Target.closeTarget", {
      targetId: this.targetId,
    });
  }
}
