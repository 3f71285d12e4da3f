/**
 * The checkout's Paddle calls, through the official SDK and the shared deadline-and-single-retry
 * wrapper (`_shared/paddle_call.ts`): the buyer's customer (created with their confirmed email,
 * or the one Paddle already holds for it), and the transaction that locks a checkout to that
 * customer. Every answer is checked before it is used: a customer for another email or a
 * transaction for another customer is never passed on.
 */
import type { Customer, Transaction } from "@paddle/paddle-node-sdk";
import { z } from "zod";
import {
  type Checked,
  createPaddleCall,
  type PaddleCallFailure,
  type PaddleCallOptions,
} from "../_shared/paddle_call.ts";
import { type ApiJson, customerToApiJson } from "../_shared/paddle_sync/to_api_json.ts";

/** What every Paddle step reports for the log line, success or not. */
interface Attempts {
  transactionIds: string[];
  attempts: number;
}

export type CustomerResult =
  & Attempts
  & (
    | { ok: true; customer: ApiJson; source: "created" | "existing" }
    | PaddleCallFailure
  );

export type TransactionResult = Attempts & ({ ok: true; url: string } | PaddleCallFailure);

export interface TransactionInput {
  customerId: string;
  priceId: string;
  quantity: number;
  userId: string;
}

export type FindOrCreateCustomer = (email: string) => Promise<CustomerResult>;
export type CreateTransaction = (input: TransactionInput) => Promise<TransactionResult>;

export interface PaddleCheckoutOptions extends PaddleCallOptions {
  /** `PADDLE_CHECKOUT_URL`; Paddle appends `?_ptxn=txn_...`. */
  checkoutUrl?: string;
}

const CUSTOMER_ID = /^ctm_[a-z\d]{26}$/;
const checkoutUrl = z.url({ protocol: /^https?$/ });

export function createPaddleCheckout(options: PaddleCheckoutOptions): {
  findOrCreateCustomer: FindOrCreateCustomer;
  createTransaction: CreateTransaction;
} {
  const call = createPaddleCall(options);

  async function findOrCreateCustomer(email: string): Promise<CustomerResult> {
    const created = await call(
      (paddle) => paddle.customers.create({ email }),
      (customer: Customer) => checkCustomer([customer], email),
    );
    if (created.ok) return { ...created, customer: created.value, source: "created" };
    if (created.paddleErrorCode !== "customer_already_exists") return created;
    // Paddle holds a customer with this email (made by an earlier checkout, by Paddle itself, or
    // by the seller): that one is the buyer's, if the database agrees to link it.
    const listed = await call(
      (paddle) => paddle.customers.list({ email: [email] }).next(),
      (customers: Customer[]) => checkCustomer(customers, email),
    );
    const transactionIds = [...created.transactionIds, ...listed.transactionIds];
    const attempts = created.attempts + listed.attempts;
    if (!listed.ok) return { ...listed, transactionIds, attempts };
    return { ok: true, customer: listed.value, source: "existing", transactionIds, attempts };
  }

  async function createTransaction(input: TransactionInput): Promise<TransactionResult> {
    const result = await call(
      (paddle) =>
        paddle.transactions.create({
          items: [{ priceId: input.priceId, quantity: input.quantity }],
          customerId: input.customerId,
          // Informs the webhook's report (custom_data_user_id); it never decides a link.
          customData: { user_id: input.userId },
          collectionMode: "automatic",
          ...(options.checkoutUrl ? { checkout: { url: options.checkoutUrl } } : {}),
        }),
      (transaction: Transaction) => checkTransaction(transaction, input.customerId),
    );
    if (!result.ok) return result;
    return {
      ok: true,
      url: result.value,
      transactionIds: result.transactionIds,
      attempts: result.attempts,
    };
  }

  return { findOrCreateCustomer, createTransaction };
}

/** Exactly one customer, holding this email: anything else is not an answer we can use. */
function checkCustomer(customers: Customer[], email: string): Checked<ApiJson> {
  const matching = customers.filter((c) =>
    typeof c?.id === "string" && CUSTOMER_ID.test(c.id) &&
    typeof c.email === "string" && c.email.toLowerCase() === email.toLowerCase()
  );
  if (matching.length !== 1) {
    return {
      ok: false,
      paddleErrorCode: customers.length === 0 ? "customer_not_listed" : "bad_response",
    };
  }
  return { ok: true, value: customerToApiJson(matching[0]) };
}

function checkTransaction(transaction: Transaction, customerId: string): Checked<string> {
  const url = checkoutUrl.safeParse(transaction?.checkout?.url);
  // A checkout locked to someone else would let this buyer pay as them: never return it.
  if (transaction?.customerId !== customerId || !url.success) {
    return { ok: false, paddleErrorCode: "bad_response" };
  }
  return { ok: true, value: url.data };
}
