/**
 * One tab of the DevTools-protocol client (`tests/_cdp.ts`): navigate,
 * evaluate, wait for the DOM, type, press keys, take screenshots.
 *
 * @module
 */

import type { Browser } from "./_cdp.ts";
import { deadline } from "./_util.ts";

/** An error the browser reported for a protocol call or an evaluation. */
export class CdpError extends Error {
  override name = "CdpError";
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
        await deadline(loaded, `load of ${url}`, timeoutMs);
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

  /** Chooses `value` in the `<select>` matching `selector`, as a user does. */
  async select(selector: string, value: string): Promise<void> {
    await this.evaluate(`(() => {
      const s = document.querySelector(${JSON.stringify(selector)});
      s.value = ${JSON.stringify(value)};
      s.dispatchEvent(new Event("input", { bubbles: true }));
      s.dispatchEvent(new Event("change", { bubbles: true }));
    })()`);
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
    // Enter acts (follows a focused link) only with its key code and text.
    const named: Record<string, Record<string, unknown>> = {
      Enter: { code: "Enter", windowsVirtualKeyCode: 13, text: "\r" },
      Escape: { code: "Escape", windowsVirtualKeyCode: 27 },
    };
    const extra = named[key] ?? (key.length === 1 ? { text: key } : {});
    await this.send("Input.dispatchKeyEvent", {
      type: "keyDown",
      key,
      ...extra,
    });
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
