/**
 * A dependency whose module loads on first use instead of at start. A cold isolate then listens
 * (and answers the browser's CORS preflight) without first loading every module a request might
 * need; `warm()` starts the load early, right after that preflight has been answered, so it runs
 * while the browser makes its round trip. A call that arrives first simply waits for the load.
 *
 * Load with `import("./literal.ts")`: a literal specifier keeps the module in Deno's module graph,
 * so `deno info`, type checking and the deployed bundle (eszip) still include it.
 */
export interface LazyFunction<A extends unknown[], R> {
  call: (...args: A) => Promise<R>;
  /** Starts the load in the background; never throws (a failed load surfaces on `call`). */
  warm: () => void;
}

export function lazyFunction<A extends unknown[], R>(
  build: () => Promise<(...args: A) => R | Promise<R>>,
): LazyFunction<A, R> {
  let built: Promise<(...args: A) => R | Promise<R>> | undefined;
  const get = () => {
    built ??= build().catch((error) => {
      // Not cached: the next call tries again rather than failing for the isolate's lifetime.
      built = undefined;
      throw error;
    });
    return built;
  };
  return {
    call: async (...args) => (await get())(...args),
    warm: () => {
      get().catch(() => {});
    },
  };
}

/**
 * Runs `task` once the current response is on its way: a macrotask after the handler returns,
 * so the runtime writes the response before the heavy loading starts.
 */
export function afterResponse(task: () => void): void {
  setTimeout(task, 0);
}
