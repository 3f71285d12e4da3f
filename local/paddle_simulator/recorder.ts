/**
 * The log behind `GET /__requests`: tests assert on what actually went over the wire (headers
 * the SDK adds, the snake_case body) rather than on what the caller meant to send.
 */

export interface RecordedRequest {
  method: string;
  /** Path and query string, as the client sent them. */
  path: string;
  /** Lower-case header names, as the Fetch API normalises them. */
  headers: Record<string, string>;
  /** Parsed JSON, the raw text when it is not JSON, or null when there was no body. */
  body: unknown;
}

/** Enough for any test; a long benchmark keeps only the newest entries instead of growing. */
export const DEFAULT_RECORDER_CAPACITY = 10_000;

export class RequestRecorder {
  readonly #entries: RecordedRequest[] = [];
  readonly #capacity: number;
  #total = 0;

  constructor(capacity: number = DEFAULT_RECORDER_CAPACITY) {
    this.#capacity = capacity;
  }

  record(request: Request, url: URL, bodyText: string): void {
    this.#total++;
    this.#entries.push({
      method: request.method,
      path: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      body: parseBody(bodyText),
    });
    if (this.#entries.length > this.#capacity) this.#entries.shift();
  }

  list(): RecordedRequest[] {
    return structuredClone(this.#entries);
  }

  clear(): void {
    this.#entries.length = 0;
  }

  /** Every request since start; clearing the log does not reset it, so benchmarks can diff it. */
  get total(): number {
    return this.#total;
  }
}

function parseBody(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
