/**
 * How every function builds its dependencies once per isolate. Bad configuration is reported once
 * at start, naming the variables, and then every request is answered `misconfigured` (with CORS)
 * instead of the isolate crash-looping behind a bare 5xx a browser or pg_net cannot read.
 */
import type { FrameDeps } from "./request_frame.ts";
import { consoleSink } from "./request_log.ts";

/** The request frame's production wiring: console log, monotonic clock, random request ids. */
export function frameDefaults(): Omit<FrameDeps, "config"> {
  return {
    log: consoleSink,
    now: () => performance.now(),
    requestId: () => crypto.randomUUID(),
  };
}

/** Stands in for every upstream call of a misconfigured function; never reached. */
export const unreachable = (): Promise<never> =>
  Promise.reject(new Error("misconfigured: not callable"));

export function depsOrMisconfigured<D>(build: () => D, misconfigured: (message: string) => D): D {
  try {
    return build();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(message);
    return misconfigured(message);
  }
}
