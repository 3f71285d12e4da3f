/**
 * The checkout's Paddle calls, through the official SDK and the shared deadline-and-single-retry
 * wrapper (`_shared/paddle_call.ts`): the buyer's customer (created with their confirmed email,
 * or the one Paddle already holds for it), the transaction that locks a checkout to that
 * customer (priced for a country through an address of that customer's, when the page chose one),
 * and the cancel of the buyer's previous open transaction. Every answer is checked before it is
 * used: a customer for another email, an address of another customer or country, or a transaction
 * for another customer is never passed on.
 */
import type { Address, CountryCode, Customer, Transaction } from "@paddle/paddle-node-sdk";
import { z } from "zod";
import {
  type Checked,
  createPaddleCall,
  type PaddleAttempts,
  type PaddleCallFailure,
  type PaddleCallOptions,
} from "../_shared/paddle_call.ts";
import { type ApiJson, customerToApiJson } from "../_shared/paddle_sync/to_api_json.ts";
import type { CheckoutItem } from "./request_body.ts";

/** What every Paddle step reports for the log line, success or not. */
type Attempts = PaddleAttempts;

export type CustomerResult =
  & Attempts
  & (
    | { ok: true; customer: ApiJson; source: "created" | "existing" }
    | PaddleCallFailure
  );

export type TransactionResult =
  & Attempts
  & ({ ok: true; transactionId: string; url: string } | PaddleCallFailure);

export interface TransactionInput {
  customerId: string;
  /** The plan first, then its add-ons. */
  items: CheckoutItem[];
  userId: string;
  /** The customer's address in the country to price for; absent: Paddle's guess by IP. */
  addressId?: string;
}

export type AddressResult =
  & Attempts
  & (
    | { ok: true; addressId: string; source: "existing" | "created" }
    /** Paddle would not take an address with the country alone (it wants a postal code there). */
    | { ok: true; addressId: null; source: "refused" }
    | PaddleCallFailure
  );

/**
 * `canceled`: it can no longer be paid (canceled now, or already). `paid`: too late, the buyer
 * paid it (completed, or on its way there).
 */
export type CancelResult =
  & Attempts
  & ({ ok: true; outcome: "canceled" | "paid" } | PaddleCallFailure);

export type FindOrCreateCustomer = (email: string) => Promise<CustomerResult>;
export type CreateTransaction = (input: TransactionInput) => Promise<TransactionResult>;
/** An active address of the customer's in the country: theirs already, or created. */
export type AddressInCountry = (
  input: { customerId: string; country: string },
) => Promise<AddressResult>;
export type CancelTransaction = (
  input: { transactionId: string; customerId: string },
) => Promise<CancelResult>;

export interface PaddleCheckoutOptions extends PaddleCallOptions {
  /** `PADDLE_CHECKOUT_URL`; Paddle appends `?_ptxn=txn_...`. */
  checkoutUrl?: string;
}

const CUSTOMER_ID = /^ctm_[a-z\d]{26}$/;
const TRANSACTION_ID = /^txn_[a-z\d]{26}$/;
const ADDRESS_ID = /^add_[a-z\d]{26}$/;
/** Paddle's largest page of addresses: one request finds any a buyer plausibly has. */
const ADDRESS_PAGE = 200;
const checkoutUrl = z.url({ protocol: /^https?$/ });

export function createPaddleCheckout(options: PaddleCheckoutOptions): {
  findOrCreateCustomer: FindOrCreateCustomer;
  addressInCountry: AddressInCountry;
  createTransaction: CreateTransaction;
  cancelTransaction: CancelTransaction;
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

  async function addressInCountry(
    { customerId, country }: { customerId: string; country: string },
  ): Promise<AddressResult> {
    // Reusing one keeps the customer's record from growing an address per checkout.
    const listed = await call(
      (paddle) =>
        paddle.addresses.list(customerId, { status: ["active"], perPage: ADDRESS_PAGE }).next(),
      (addresses: Address[]) => checkAddresses(addresses, customerId),
    );
    if (!listed.ok) return listed;
    const existing = listed.value.find((a) => a.countryCode === country);
    if (existing) {
      return { ok: true, addressId: existing.id, source: "existing", ...attemptsOf(listed) };
    }
    const created = await call(
      (paddle) => paddle.addresses.create(customerId, { countryCode: country as CountryCode }),
      (address: Address) => {
        const checked = checkAddresses([address], customerId);
        return checked.ok && checked.value[0].countryCode === country
          ? { ok: true, value: checked.value[0].id }
          : { ok: false, paddleErrorCode: "bad_response" };
      },
    );
    const transactionIds = [...listed.transactionIds, ...created.transactionIds];
    const attempts = listed.attempts + created.attempts;
    // Paddle needs a postal code beside the country in some countries (ZIP codes in the US,
    // postcodes in the UK); we have none to give, so Paddle prices the checkout as without one.
    if (!created.ok && created.paddleErrorCode === "invalid_field") {
      return { ok: true, addressId: null, source: "refused", transactionIds, attempts };
    }
    if (!created.ok) return { ...created, transactionIds, attempts };
    return { ok: true, addressId: created.value, source: "created", transactionIds, attempts };
  }

  async function createTransaction(input: TransactionInput): Promise<TransactionResult> {
    const result = await call(
      (paddle) =>
        paddle.transactions.create({
          items: input.items.map((item) => ({ priceId: item.priceId, quantity: item.quantity })),
          customerId: input.customerId,
          // Paddle prices the transaction (currency, overrides, tax) for this address's country.
          ...(input.addressId ? { addressId: input.addressId } : {}),
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
      ...result.value,
      transactionIds: result.transactionIds,
      attempts: result.attempts,
    };
  }

  async function cancelTransaction(
    { transactionId, customerId }: { transactionId: string; customerId: string },
  ): Promise<CancelResult> {
    // Paddle refuses other fields next to a cancel: the status alone.
    const canceled = await call(
      (paddle) => paddle.transactions.update(transactionId, { status: "canceled" }),
      (transaction: Transaction) => checkStatus(transaction, transactionId, customerId),
    );
    if (canceled.ok) return { ...canceled, outcome: "canceled" };
    if (canceled.paddleErrorCode !== "transaction_invalid_status_change") return canceled;
    // Not cancelable any more: canceled already (fine), or paid (the buyer is subscribing).
    const got = await call(
      (paddle) => paddle.transactions.get(transactionId),
      (transaction: Transaction) => checkStatus(transaction, transactionId, customerId),
    );
    const transactionIds = [...canceled.transactionIds, ...got.transactionIds];
    const attempts = canceled.attempts + got.attempts;
    if (!got.ok) return { ...got, transactionIds, attempts };
    const outcome = got.value === "canceled" ? "canceled" : "paid";
    return { ok: true, outcome, transactionIds, attempts };
  }

  return { findOrCreateCustomer, addressInCountry, createTransaction, cancelTransaction };
}

function attemptsOf(step: Attempts): Attempts {
  return { transactionIds: step.transactionIds, attempts: step.attempts };
}

/** Active addresses of this customer only: an address of anyone else's is no answer. */
function checkAddresses(
  addresses: Address[],
  customerId: string,
): Checked<{ id: string; countryCode: string }[]> {
  if (
    !Array.isArray(addresses) ||
    addresses.some((a) =>
      typeof a?.id !== "string" || !ADDRESS_ID.test(a.id) || a.customerId !== customerId ||
      typeof a.countryCode !== "string"
    )
  ) {
    return { ok: false, paddleErrorCode: "bad_response" };
  }
  return {
    ok: true,
    value: addresses.filter((a) => a.status === "active").map((a) => ({
      id: a.id,
      countryCode: a.countryCode,
    })),
  };
}

/** The transaction's status, when it is the one asked for and the buyer's own. */
function checkStatus(
  transaction: Transaction,
  transactionId: string,
  customerId: string,
): Checked<string> {
  if (
    transaction?.id !== transactionId || transaction.customerId !== customerId ||
    typeof transaction.status !== "string"
  ) {
    return { ok: false, paddleErrorCode: "bad_response" };
  }
  return { ok: true, value: transaction.status };
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

function checkTransaction(
  transaction: Transaction,
  customerId: string,
): Checked<{ transactionId: string; url: string }> {
  const url = checkoutUrl.safeParse(transaction?.checkout?.url);
  // A checkout locked to someone else would let this buyer pay as them: never return it.
  if (
    transaction?.customerId !== customerId || !url.success ||
    typeof transaction.id !== "string" || !TRANSACTION_ID.test(transaction.id)
  ) {
    return { ok: false, paddleErrorCode: "bad_response" };
  }
  return { ok: true, value: { transactionId: transaction.id, url: url.data } };
}
