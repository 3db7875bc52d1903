/**
 * Stop signals (SIGTERM, SIGINT) seen by a publisher: it says goodbye
 * before the process ends, so that its sidecar records a stop rather than
 * a crash. A listener of flightlog's own would keep Deno from ending the
 * process as it would have, so flightlog must know whether the app has a
 * listener of its own: `Deno.addSignalListener` is wrapped when this
 * module is first imported (before the app's own code runs), and the app's
 * listeners are counted per signal.
 *
 * @module
 */

/** The signals handled, and the exit status each conventionally gives. */
export const STOP_SIGNALS: Readonly<Record<"SIGTERM" | "SIGINT", number>> = {
  SIGTERM: 143,
  SIGINT: 130,
};

/** A stop signal. */
export type StopSignal = keyof typeof STOP_SIGNALS;

const appListeners = new Map<Deno.Signal, Set<() => void>>();
const ours = new WeakSet<() => void>();
let add: typeof Deno.addSignalListener | undefined;
let remove: typeof Deno.removeSignalListener | undefined;

function wrapSignalListeners(): void {
  try {
    add = Deno.addSignalListener.bind(Deno);
    remove = Deno.removeSignalListener.bind(Deno);
    Deno.addSignalListener = (signal, handler) => {
      add!(signal, handler);
      if (ours.has(handler)) return;
      let set = appListeners.get(signal);
      if (set === undefined) appListeners.set(signal, set = new Set());
      set.add(handler);
    };
    Deno.removeSignalListener = (signal, handler) => {
      remove!(signal, handler);
      appListeners.get(signal)?.delete(handler);
    };
  } catch {
    // A runtime that forbids it: the app is taken to have no listener.
  }
}
wrapSignalListeners();

/** Whether the app has a listener of its own for `signal`. */
export function appHandles(signal: Deno.Signal): boolean {
  return (appListeners.get(signal)?.size ?? 0) > 0;
}

/** What one publisher does when the process is stopped. */
export interface Stopper {
  /** Says goodbye and closes (the publisher's `close`). */
  goodbye(signal: StopSignal): Promise<void>;
  /** Closes the logger (only when the app has no listener of its own). */
  closeLogger(): Promise<void>;
}

const stoppers = new Set<Stopper>();
let listening: (() => void) | undefined;
let stopping = false;

/**
 * Runs `stopper` on SIGTERM or SIGINT (where the platform has them), with
 * every other one registered: each says goodbye; then, when the app has no
 * listener of its own for the signal, each closes its logger and the
 * process exits with the conventional status (143 for SIGTERM, 130 for
 * SIGINT). A second signal while this runs exits at once. Returns a
 * function that unregisters `stopper`.
 */
export function onStopSignal(stopper: Stopper): () => void {
  stoppers.add(stopper);
  listening ??= listen();
  return () => {
    stoppers.delete(stopper);
    if (stoppers.size === 0 && listening !== undefined) {
      listening();
      listening = undefined;
    }
  };
}

function listen(): () => void {
  const off: (() => void)[] = [];
  for (const signal of Object.keys(STOP_SIGNALS) as StopSignal[]) {
    const handler = () => void stop(signal);
    ours.add(handler);
    try {
      (add ?? Deno.addSignalListener)(signal, handler);
      off.push(() => (remove ?? Deno.removeSignalListener)(signal, handler));
    } catch {
      // Not on this platform (Windows has SIGINT only), or not allowed.
    }
  }
  return () => {
    for (const f of off) {
      try {
        f();
      } catch { /* already gone */ }
    }
  };
}

async function stop(signal: StopSignal): Promise<void> {
  const own = appHandles(signal);
  if (own) {
    // The app's own shutdown code decides what comes next.
    await Promise.allSettled([...stoppers].map((s) => s.goodbye(signal)));
    return;
  }
  if (stopping) Deno.exit(STOP_SIGNALS[signal]);
  stopping = true;
  const all = [...stoppers];
  await Promise.allSettled(all.map((s) => s.goodbye(signal)));
  await Promise.allSettled(all.map((s) => s.closeLogger()));
  Deno.exit(STOP_SIGNALS[signal]);
}
