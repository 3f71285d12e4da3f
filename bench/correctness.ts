/**
 * Does every portal URL handed out under load open its caller's own portal?
 *
 * A URL only says which portal session it belongs to, not whose, and the simulator's request log
 * says which customer each session was asked for but not which URL came back; joining the two
 * would trust the function's own logging. The portal page is the ground truth a user sees: it
 * names the customer (`data-customer-id`) and opens once. So after each run, outside the timed
 * window, every URL is opened: a URL for someone else's customer, one the simulator never minted,
 * and one handed to two callers (the second visit finds it used) all fail.
 */
import type { Caller, Sample } from "./load.ts";

export interface Correctness {
  responses: number;
  ok: number;
  /** Status 0 is a network failure or timeout on our side. */
  byStatus: Record<string, number>;
  serverErrors: number;
  badBodies: number;
  duplicateUrls: number;
  /** Opened, and the page names the caller's own customer with the overview action. */
  verified: number;
  wrongCustomer: number;
  /** The simulator did not mint it, it was already used, or it points elsewhere. */
  notOpenable: number;
}

export function emptyCorrectness(): Correctness {
  return {
    responses: 0,
    ok: 0,
    byStatus: {},
    serverErrors: 0,
    badBodies: 0,
    duplicateUrls: 0,
    verified: 0,
    wrongCustomer: 0,
    notOpenable: 0,
  };
}

export function mergeCorrectness(a: Correctness, b: Correctness): Correctness {
  const byStatus = { ...a.byStatus };
  for (const [k, v] of Object.entries(b.byStatus)) byStatus[k] = (byStatus[k] ?? 0) + v;
  return {
    responses: a.responses + b.responses,
    ok: a.ok + b.ok,
    byStatus,
    serverErrors: a.serverErrors + b.serverErrors,
    badBodies: a.badBodies + b.badBodies,
    duplicateUrls: a.duplicateUrls + b.duplicateUrls,
    verified: a.verified + b.verified,
    wrongCustomer: a.wrongCustomer + b.wrongCustomer,
    notOpenable: a.notOpenable + b.notOpenable,
  };
}

export function allCorrect(c: Correctness): boolean {
  return c.responses > 0 && c.ok === c.responses && c.verified === c.responses &&
    c.serverErrors === 0 && c.badBodies === 0 && c.duplicateUrls === 0 &&
    c.wrongCustomer === 0 && c.notOpenable === 0;
}

const PORTAL_MARKUP = /<main id="portal" data-customer-id="([^"]*)" data-action="([^"]*)"/;

export async function checkSamples(
  samples: readonly Sample[],
  callers: readonly Caller[],
  portalOrigin: string,
  visitConcurrency = 16,
): Promise<Correctness> {
  const result = emptyCorrectness();
  const seen = new Set<string>();
  const toVisit: { url: string; customerId: string }[] = [];
  for (const s of samples) {
    result.responses++;
    result.byStatus[s.status] = (result.byStatus[s.status] ?? 0) + 1;
    if (s.status >= 500) result.serverErrors++;
    if (s.badBody) result.badBodies++;
    if (s.status !== 200 || s.url === undefined) continue;
    result.ok++;
    if (seen.has(s.url)) {
      result.duplicateUrls++;
      continue;
    }
    seen.add(s.url);
    let origin: string;
    try {
      origin = new URL(s.url).origin;
    } catch {
      result.notOpenable++;
      continue;
    }
    if (origin !== portalOrigin) {
      result.notOpenable++;
      continue;
    }
    toVisit.push({ url: s.url, customerId: callers[s.caller].customerId });
  }

  let next = 0;
  const worker = async () => {
    while (next < toVisit.length) {
      const { url, customerId } = toVisit[next++];
      const outcome = await visit(url, customerId);
      result[outcome]++;
    }
  };
  await Promise.all(Array.from({ length: visitConcurrency }, worker));
  return result;
}

async function visit(
  url: string,
  customerId: string,
): Promise<"verified" | "wrongCustomer" | "notOpenable"> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const html = await res.text();
    if (res.status !== 200) return "notOpenable";
    const match = PORTAL_MARKUP.exec(html);
    if (!match) return "notOpenable";
    return match[1] === customerId && match[2] === "overview" ? "verified" : "wrongCustomer";
  } catch {
    return "notOpenable";
  }
}
