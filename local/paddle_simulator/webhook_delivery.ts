/**
 * The simulator's notification service: what Paddle does after a sale. Each event becomes
 * Paddle's notification JSON (`event_id`, `event_type`, `occurred_at`, `notification_id`,
 * `data`), signed as Paddle signs (`Paddle-Signature: ts=…;h1=…`, signed at each attempt), and
 * POSTed to the configured destination. Only a 2xx counts; a non-2xx, a redirect, a timeout or
 * a network failure is retried with backoff, reusing the same `event_id`, as Paddle does.
 *
 * Deliveries go one at a time in the order the events happened, so a test sees
 * `transaction.completed` before `subscription.created`. `hold()` queues them (the "webhook
 * arrives late" case) until `release()`. `stop()` ends every wait and request at once, so no
 * timer outlives the simulator.
 */

import { type PaddleEvent, paddleEvent } from "../paddle_webhooks/payloads.ts";
import { paddleSignature } from "../paddle_webhooks/sign.ts";
import { sleep } from "./waits.ts";

export interface WebhookTarget {
  /** The notification destination, e.g. `<apiUrl>/functions/v1/paddle-webhook`. */
  url: string;
  /** The destination's secret key. */
  secret: string;
}

export type DeliveryState = "held" | "pending" | "delivered" | "failed" | "no_destination";

/** What `GET /__webhooks` lists: one row per event, oldest first. */
export interface DeliveryRecord {
  event_id: string;
  notification_id: string;
  event_type: string;
  occurred_at: string;
  /** The id of the entity the event carries (`ctm_…`, `txn_…`, `sub_…`). */
  entity_id: string | null;
  state: DeliveryState;
  attempts: number;
  /** The last answer's HTTP status; null before an attempt or after a network failure. */
  last_status: number | null;
  last_error: string | null;
}

/** Paddle's sandbox retries over minutes; locally a few quick attempts tell the same story. */
export const DEFAULT_RETRY_DELAYS_MS = [250, 1000, 3000];
/** Paddle counts a delivery as failed when the destination takes longer than this. */
export const DELIVERY_TIMEOUT_MS = 5000;

interface Queued {
  record: DeliveryRecord;
  event: PaddleEvent<unknown>;
}

export interface WebhookDeliveryOptions {
  target?: WebhookTarget;
  /** Waits before each retry; its length is the number of retries. */
  retryDelaysMs?: readonly number[];
  /** Sees every event as it happens, held or not (the event log behind `GET /events`). */
  onEvent?: (event: PaddleEvent<unknown>) => void;
  /** Simulated time in ms (the store's clock), which `occurred_at` reads; default the wall clock. */
  now?: () => number;
}

export class WebhookDeliveries {
  readonly #target: WebhookTarget | undefined;
  readonly #retryDelays: readonly number[];
  readonly #onEvent: ((event: PaddleEvent<unknown>) => void) | undefined;
  readonly #now: () => number;
  readonly #records: DeliveryRecord[] = [];
  readonly #queue: Queued[] = [];
  readonly #stopping = new AbortController();
  #held = false;
  #lastOccurredMs = 0;
  #worker: Promise<void> | undefined;

  constructor(options: WebhookDeliveryOptions = {}) {
    this.#target = options.target;
    this.#retryDelays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.#onEvent = options.onEvent;
    this.#now = options.now ?? Date.now;
  }

  /** Records an event that happened now and delivers it when its turn comes. */
  emit(eventType: string, data: unknown): DeliveryRecord {
    // Events of one sale happen in order: never two in one millisecond, so a receiver that keeps
    // the newest by occurred_at (then event id) sees `subscription.activated` after `created`.
    this.#lastOccurredMs = Math.max(this.#now(), this.#lastOccurredMs + 1);
    const event = paddleEvent(eventType, data, this.#lastOccurredMs);
    this.#onEvent?.(event);
    const entityId = (data as { id?: unknown } | null)?.id;
    const record: DeliveryRecord = {
      event_id: event.event_id,
      notification_id: event.notification_id,
      event_type: eventType,
      occurred_at: event.occurred_at,
      entity_id: typeof entityId === "string" ? entityId : null,
      state: this.#target ? (this.#held ? "held" : "pending") : "no_destination",
      attempts: 0,
      last_status: null,
      last_error: null,
    };
    this.#records.push(record);
    if (this.#target && !this.#stopping.signal.aborted) {
      this.#queue.push({ record, event });
      this.#kick();
    }
    return record;
  }

  hold(): void {
    this.#held = true;
    for (const { record } of this.#queue) if (record.state === "pending") record.state = "held";
  }

  release(): void {
    this.#held = false;
    for (const { record } of this.#queue) if (record.state === "held") record.state = "pending";
    this.#kick();
  }

  get held(): boolean {
    return this.#held;
  }

  list(): DeliveryRecord[] {
    return structuredClone(this.#records);
  }

  /** Resolves once nothing is waiting to be sent (held events count as waiting only when released). */
  async idle(): Promise<void> {
    while (this.#worker) await this.#worker;
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#worker;
  }

  #kick(): void {
    if (this.#worker || this.#held || this.#queue.length === 0) return;
    this.#worker = this.#drain().finally(() => {
      this.#worker = undefined;
      // An event emitted or released while the last delivery finished starts a new round.
      if (!this.#stopping.signal.aborted) this.#kick();
    });
  }

  async #drain(): Promise<void> {
    const signal = this.#stopping.signal;
    while (!this.#held && !signal.aborted && this.#queue.length > 0) {
      const next = this.#queue[0];
      await this.#deliver(next);
      this.#queue.shift();
    }
  }

  async #deliver({ record, event }: Queued): Promise<void> {
    const signal = this.#stopping.signal;
    const body = JSON.stringify(event);
    for (let attempt = 0; attempt <= this.#retryDelays.length; attempt++) {
      if (attempt > 0) await sleep(this.#retryDelays[attempt - 1], signal);
      if (signal.aborted) return;
      record.attempts++;
      const outcome = await this.#post(body);
      record.last_status = outcome.status;
      record.last_error = outcome.error;
      if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) {
        record.state = "delivered";
        return;
      }
    }
    record.state = "failed";
  }

  async #post(body: string): Promise<{ status: number | null; error: string | null }> {
    const target = this.#target!;
    const attempt = new AbortController();
    const abort = () => attempt.abort();
    const timer = setTimeout(abort, DELIVERY_TIMEOUT_MS);
    this.#stopping.signal.addEventListener("abort", abort, { once: true });
    try {
      const response = await fetch(target.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "paddle-signature": await paddleSignature(body, target.secret),
          "user-agent": "Paddle (local simulator)",
        },
        body,
        // Paddle does not follow redirects: a 3xx is a failed delivery.
        redirect: "manual",
        signal: attempt.signal,
      });
      await response.body?.cancel();
      const ok = response.status >= 200 && response.status < 300;
      return { status: response.status, error: ok ? null : `HTTP ${response.status}` };
    } catch (error) {
      const message = attempt.signal.aborted
        ? (this.#stopping.signal.aborted ? "simulator stopped" : "timed out")
        : error instanceof Error
        ? error.message
        : String(error);
      return { status: null, error: message };
    } finally {
      clearTimeout(timer);
      this.#stopping.signal.removeEventListener("abort", abort);
    }
  }
}
