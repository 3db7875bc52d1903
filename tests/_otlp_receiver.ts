/** A local OTLP/HTTP receiver for the tests: it keeps every JSON body POSTed. */

/** What a receiver got, by path (`/v1/traces`, `/v1/logs`...). */
export interface OtlpReceiver extends AsyncDisposable {
  /** Its base URL, like `http://127.0.0.1:PORT`. */
  url: string;
  /** The bodies received at each path, parsed. */
  bodies: Map<string, unknown[]>;
  /** The headers of each request, in order. */
  headers: Headers[];
  /** The status it answers with next (200 unless set). */
  status: number;
  /** Resolves once `check()` holds (looked at on each request and every 10 ms), or rejects after `ms`. */
  until(
    check: () => boolean | Promise<boolean>,
    what: string,
    ms?: number,
  ): Promise<void>;
}

/** Starts a receiver on a loopback port (`port` 0: any). */
export function otlpReceiver(port = 0): OtlpReceiver {
  const waiters = new Set<() => void>();
  const r = {
    bodies: new Map<string, unknown[]>(),
    headers: [] as Headers[],
    status: 200,
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen: () => {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      const text = await req.text();
      r.headers.push(req.headers);
      if (r.status === 200) {
        const list = r.bodies.get(path) ?? [];
        list.push(JSON.parse(text));
        r.bodies.set(path, list);
      }
      for (const w of waiters) w();
      return new Response(r.status === 200 ? "{}" : "no", {
        status: r.status,
        headers: { "content-type": "application/json" },
      });
    },
  );
  return Object.assign(r, {
    url: `http://127.0.0.1:${server.addr.port}`,
    until(
      check: () => boolean | Promise<boolean>,
      what: string,
      ms = 30_000,
    ): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        let settled = false;
        const done = async () => {
          if (settled || !(await check()) || settled) return;
          settled = true;
          clearTimeout(timer);
          clearInterval(poll);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(() => {
          settled = true;
          clearInterval(poll);
          waiters.delete(done);
          reject(new Error(`timed out after ${ms} ms: ${what}`));
        }, ms);
        // The sender counts a reply after it gets it: look again now and then.
        const poll = setInterval(done, 10);
        waiters.add(done);
        done();
      });
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  });
}
