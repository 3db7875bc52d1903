/**
 * The web viewer with a 100,000-event incident, in headless chromium through
 * the DevTools protocol, each figure beside its floor in one run:
 * - time until the timeline's first rows are painted, beside fetching and
 *   parsing the same JSON in the page;
 * - scrolling through the whole timeline: frames longer than 50 ms, counted;
 * - the page's JS heap, beside a page holding the parsed records alone.
 *
 * Run: `deno run -A bench/viewer_bench.ts [EVENTS]` (part of `deno task bench`).
 */
import { Browser, hasChromium, type Page } from "../tests/_cdp.ts";
import { writeBigIncident } from "../tests/_incidents.ts";
import { Proc } from "../tests/_util.ts";

const EVENTS = Number(Deno.args[0] ?? 100_000);
const ROUNDS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** The page's JS heap after a full collection, in bytes. */
async function heap(page: Page): Promise<number> {
  await page.send("HeapProfiler.collectGarbage");
  const { usedSize } = await page.send("Runtime.getHeapUsage");
  return Number(usedSize);
}

async function main() {
  if (!hasChromium()) {
    console.log("viewer bench: skipped, /usr/bin/chromium is not installed");
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "flightlog-viewer-bench-" });
  const name = await writeBigIncident(dir, EVENTS);
  const web = new Proc([
    "run",
    "-A",
    new URL("../cli/flightlog.ts", import.meta.url).pathname,
    "web",
    "--listen",
    "127.0.0.1:0",
    `${dir}/${name}`,
  ]);
  const login = await web.waitFor("flightlog web: ");
  const origin = new URL(login).origin;
  const browser = await Browser.launch();
  try {
    const page = await browser.newPage();
    await page.goto(login);
    const incident = `${origin}/incidents/${encodeURIComponent(name)}`;
    const json = `${origin}/v1/incidents/${
      encodeURIComponent(name)
    }?format=json&text=1`;

    // First rows painted (the page marks it), then the floor in the same
    // page; three rounds side by side, the median of each (the machine is
    // shared, and one round can be unlucky).
    const painted: number[] = [];
    const floor: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await page.goto(incident);
      await page.waitForSelector(".timeline .row.trigger", 60_000);
      painted.push(
        await page.waitFor<number>(
          `performance.getEntriesByName("flightlog:timeline")[0]?.startTime`,
          60_000,
        ),
      );
      floor.push(
        await page.evaluate<number>(`(async () => {
          const t0 = performance.now();
          const data = await (await fetch(${JSON.stringify(json)})).json();
          if (data.records.length < 2) throw new Error("no records");
          return performance.now() - t0;
        })()`),
      );
    }
    const paintedMs = median(painted);
    const floorMs = median(floor);

    // Scroll from the top to the bottom.
    const scroll = await page.evaluate<
      { frames: number; long: number; worst: number; rows: number }
    >(
      `new Promise((resolve) => {
      const v = document.querySelector(".timeline");
      v.scrollTop = 0;
      // Ten viewports a frame: every frame draws rows it has never drawn.
      const step = 10 * v.clientHeight;
      let last = performance.now(), frames = 0, long = 0, worst = 0, rows = 0;
      const tick = (now) => {
        const dt = now - last;
        last = now;
        frames++;
        if (dt > 50) long++;
        worst = Math.max(worst, dt);
        rows = Math.max(rows, v.querySelectorAll(".row").length);
        if (v.scrollTop + v.clientHeight >= v.scrollHeight - 1) {
          resolve({ frames, long, worst, rows });
          return;
        }
        v.scrollTop += step;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame((now) => { last = now; requestAnimationFrame(tick); });
    })`,
      300_000,
    );

    const viewerHeap = await heap(page);
    // The floor: the same records parsed and held by a page with no viewer.
    const bare = await browser.newPage();
    await bare.goto(`${origin}/login`);
    await bare.evaluate(`(async () => {
      globalThis.kept = await (await fetch(${JSON.stringify(json)})).json();
    })()`);
    const recordsHeap = await heap(bare);

    const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
    console.log(`viewer bench: one incident of ${EVENTS + 1} events\n`);
    console.log(
      `| measure | floor | viewer | ratio |\n| --- | --- | --- | --- |`,
    );
    console.log(
      `| first rows painted vs fetch + parse of the JSON in the page (median of ${ROUNDS}) | ${
        floorMs.toFixed(0)
      } ms | ${paintedMs.toFixed(0)} ms | ${
        (paintedMs / floorMs).toFixed(2)
      }x |`,
    );
    console.log(
      `| JS heap: the parsed records alone vs the incident page | ${
        mb(recordsHeap)
      } | ${mb(viewerHeap)} | ${(viewerHeap / recordsHeap).toFixed(2)}x |`,
    );
    console.log(
      `\nscroll through the whole timeline: ${scroll.frames} frames, ${scroll.long} over 50 ms (worst ${
        scroll.worst.toFixed(0)
      } ms), at most ${scroll.rows} rows in the DOM`,
    );
  } finally {
    await browser.close();
    await web.stop("SIGINT");
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
