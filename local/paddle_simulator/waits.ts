/**
 * Abortable waits for delayed and hung faults. They end when the simulator stops, so no timer
 * or pending promise outlives `stop()` (Deno's test sanitizers check).
 *
 * They deliberately do not watch `request.signal` for clients that leave: on the Deno versions
 * we support, merely reading that signal makes Deno.serve print a legacy-abort warning to
 * stderr once a response is sent. A request whose client left keeps waiting until its delay
 * ends or the simulator stops; its answer then goes nowhere, which nobody can observe.
 */

/** Resolves after `ms`, or early once `signal` aborts; never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Resolves only once `signal` aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
