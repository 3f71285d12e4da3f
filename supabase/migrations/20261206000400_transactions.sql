-- Transactions in the mirror (issue 18): what a customer paid, with Paddle's own totals, line
-- items and last payment attempt, readable by the owner of the customer and nobody else; written
-- only through the one write path (apply_paddle_event for every transaction.* event,
-- apply_paddle_entities('transaction', ...) for pages of GET /transactions), newest-wins and
-- lossless like every other mirrored entity (docs/mirror.md). Also: the sync visits transactions
-- (paddle_sync_state gains a fifth row and a lower bound on updated_at for later runs), and the
-- transaction-invoice function's one RPC (transaction_invoice_prepare).
--
-- Replaced here (create or replace): public.apply_paddle_event, public.apply_paddle_entities,
-- public.paddle_sync_status, public.paddle_sync_begin.

------------------------------------------------------------------------------------------------
-- Table
------------------------------------------------------------------------------------------------

create table public.transactions (
  transaction_id text primary key
    constraint transactions_transaction_id_shape check (transaction_id ~ '^txn_[a-z0-9]{26}$'),
  -- Null for a draft Paddle has no customer for yet. A transaction that outruns its customer gets
  -- a stub customer (as subscriptions do), so it is kept and its owner sees it once linked.
  customer_id text references public.customers (customer_id) on delete cascade
    constraint transactions_customer_id_shape check (customer_id ~ '^ctm_[a-z0-9]{26}$'),
  -- No foreign key: a renewal's transaction may arrive before its subscription.
  subscription_id text
    constraint transactions_subscription_id_shape check (subscription_id ~ '^sub_[a-z0-9]{26}$'),
  status text not null
    constraint transactions_status_known
    check (status in ('draft', 'ready', 'billed', 'paid', 'completed', 'canceled', 'past_due')),
  -- web, api, subscription_recurring, subscription_update, subscription_charge, ... (Paddle adds).
  origin text,
  collection_mode text
    constraint transactions_collection_mode_known check (collection_mode in ('automatic', 'manual')),
  currency_code text,
  -- details.totals, in the currency's lowest denomination exactly as Paddle computed them.
  subtotal numeric,
  discount numeric,
  tax numeric,
  total numeric,
  grand_total numeric,
  credit numeric,
  balance numeric,
  invoice_id text,
  invoice_number text,
  billed_at timestamptz,
  billing_period_starts_at timestamptz,
  billing_period_ends_at timestamptz,
  -- One object per details.line_items entry, in Paddle's order: {price_id, product_id,
  -- product_name, price_name, quantity, tax_rate, subtotal, discount, tax, total}; amounts are
  -- Paddle's strings. Names as Paddle sent them with the transaction: what was bought then.
  line_items jsonb not null default '[]',
  -- The newest payment attempt (payments[] by created_at).
  payment_status text,
  payment_error_code text,
  payment_method_type text,
  payment_card_brand text,
  payment_card_last4 text,
  payment_attempted_at timestamptz,
  custom_data jsonb,
  revised_at timestamptz,
  -- Paddle's own times: updated_at is the version (docs/mirror.md).
  created_at timestamptz,
  updated_at timestamptz,
  last_event_occurred_at timestamptz,
  last_event_id text
);

comment on table public.transactions is
  'Paddle transactions (payments and invoices), mirrored newest-wins from transaction events and the API sync; visible to the owner of their customer.';

-- The policy filters on customer_id and the page reads a customer's payments newest first with
-- keyset paging on (created_at, transaction_id): one index serves both.
create index transactions_customer_id_created_at_idx
  on public.transactions (customer_id, created_at desc, transaction_id desc);
create index transactions_subscription_id_idx
  on public.transactions (subscription_id) where subscription_id is not null;

alter table public.transactions enable row level security;
-- Supabase's default privileges grant everything on new tables to the API roles; take it all
-- back. Writes go only through the security definer apply functions.
revoke all on table public.transactions from public, anon, authenticated, service_role;
grant select on table public.transactions to authenticated, service_role;

create policy "transactions are readable by the owner of their customer"
  on public.transactions for select to authenticated
  using (
    customer_id in (
      select c.customer_id from public.customers c where c.user_id = (select auth.uid())
    )
  );

------------------------------------------------------------------------------------------------
-- Estimated counts: billing_private.refuse_estimated_counts (20261206000100) refuses planned and
-- estimated counts on every path for anon and authenticated, so transactions are covered as they
-- are; tests/count_leak_test.ts lists them among the private tables.
------------------------------------------------------------------------------------------------

------------------------------------------------------------------------------------------------
-- The apply function
------------------------------------------------------------------------------------------------

-- A Paddle amount: a string of digits (lowest denomination, negative for credits), or absent/null.
create function public.paddle_is_bad_amount(p_value jsonb) returns boolean
language sql
immutable
as $$
  select p_value is not null and p_value <> 'null'::jsonb
    and (jsonb_typeof(p_value) <> 'string' or (p_value #>> '{}') !~ '^-?\d+(\.\d+)?$')
$$;

-- Returns {"received": n, "written": n, "customers_stubbed": n}. Internal: executable by its
-- owner only, i.e. through apply_paddle_event / apply_paddle_entities.
create function public.apply_paddle_transactions(
  p_entities jsonb, p_event_id text, p_occurred_at timestamptz
) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_fresh integer[];
  v_stubbed integer;
  v_written integer;
begin
  -- Only states that could win go further (docs/mirror.md, "Validation"). Read without locking:
  -- versions only grow, so a state skipped here could never win, and the upsert re-checks under
  -- the row lock. An unchanged page ends here, having locked and dirtied nothing.
  select coalesce(array_agg(x.ord::integer order by x.ord), '{}')
  into v_fresh
  from jsonb_array_elements(p_entities) with ordinality x (v, ord)
  left join public.transactions t on t.transaction_id = x.v ->> 'id'
  where public.paddle_may_be_newer(t.transaction_id is not null, x.v ->> 'updated_at', p_occurred_at, p_event_id,
                                   t.updated_at, t.last_event_occurred_at, t.last_event_id);
  if cardinality(v_fresh) = 0 then
    return jsonb_build_object('received', jsonb_array_length(p_entities), 'written', 0, 'customers_stubbed', 0);
  end if;

  perform public.paddle_raise_malformed('apply_paddle_transactions', (
    select format('transaction %s: %s', e.ord, e.problem)
    from (
      select x.ord, case
        when jsonb_typeof(x.v) is distinct from 'object' then 'not an object'
        when (x.v ->> 'id') is null or (x.v ->> 'id') !~ '^txn_[a-z0-9]{26}$' then 'id missing or malformed'
        when (x.v ->> 'status') is null or (x.v ->> 'status') not in
          ('draft', 'ready', 'billed', 'paid', 'completed', 'canceled', 'past_due') then 'status unknown'
        when (x.v ->> 'customer_id') !~ '^ctm_[a-z0-9]{26}$' then 'customer_id malformed'
        when (x.v ->> 'subscription_id') !~ '^sub_[a-z0-9]{26}$' then 'subscription_id malformed'
        when (x.v ->> 'collection_mode') not in ('automatic', 'manual') then 'collection_mode unknown'
        when public.paddle_is_bad_timestamp(x.v -> 'created_at')
          or public.paddle_is_bad_timestamp(x.v -> 'updated_at')
          or public.paddle_is_bad_timestamp(x.v -> 'billed_at')
          or public.paddle_is_bad_timestamp(x.v -> 'revised_at') then 'timestamp malformed'
        when jsonb_typeof(coalesce(x.v -> 'billing_period', 'null')) not in ('object', 'null')
          or public.paddle_is_bad_timestamp(x.v -> 'billing_period' -> 'starts_at')
          or public.paddle_is_bad_timestamp(x.v -> 'billing_period' -> 'ends_at') then 'billing_period malformed'
        when jsonb_typeof(coalesce(x.v -> 'custom_data', 'null')) not in ('object', 'null') then 'custom_data not an object'
        when jsonb_typeof(coalesce(x.v -> 'details', 'null')) not in ('object', 'null')
          or jsonb_typeof(coalesce(x.v -> 'details' -> 'totals', 'null')) not in ('object', 'null')
          or public.paddle_is_bad_amount(x.v -> 'details' -> 'totals' -> 'subtotal')
          or public.paddle_is_bad_amount(x.v -> 'details' -> 'totals' -> 'discount')
          or public.paddle_is_bad_amount(x.v -> 'details' -> 'totals' -> 'tax')
          or public.paddle_is_bad_amount(x.v -> 'details' -> 'totals' -> 'total')
          or public.paddle_is_bad_amount(x.v -> 'details' -> 'totals' -> 'grand_total')
          or public.paddle_is_bad_amount(x.v -> 'details' -> 'totals' -> 'credit')
          or public.paddle_is_bad_amount(x.v -> 'details' -> 'totals' -> 'balance') then 'totals malformed'
        when jsonb_typeof(coalesce(x.v -> 'items', '[]')) <> 'array'
          or jsonb_typeof(coalesce(x.v -> 'details' -> 'line_items', '[]')) <> 'array'
          or jsonb_typeof(coalesce(x.v -> 'payments', '[]')) <> 'array' then 'items, line_items or payments not an array'
        when exists (
          select 1 from jsonb_array_elements(coalesce(x.v -> 'details' -> 'line_items', '[]')) l (v)
          where jsonb_typeof(l.v) is distinct from 'object'
            or (l.v ->> 'price_id') !~ '^pri_[a-z0-9]{26}$'
            or public.paddle_is_bad_integer(l.v -> 'quantity')
            or jsonb_typeof(coalesce(l.v -> 'totals', 'null')) not in ('object', 'null')
            or public.paddle_is_bad_amount(l.v -> 'totals' -> 'subtotal')
            or public.paddle_is_bad_amount(l.v -> 'totals' -> 'discount')
            or public.paddle_is_bad_amount(l.v -> 'totals' -> 'tax')
            or public.paddle_is_bad_amount(l.v -> 'totals' -> 'total')
            or jsonb_typeof(coalesce(l.v -> 'product', 'null')) not in ('object', 'null')
        ) then 'line item malformed'
        when exists (
          select 1 from jsonb_array_elements(coalesce(x.v -> 'items', '[]')) i (v)
          where jsonb_typeof(i.v) is distinct from 'object'
            or jsonb_typeof(coalesce(i.v -> 'price', 'null')) not in ('object', 'null')
        ) then 'item malformed'
        when exists (
          select 1 from jsonb_array_elements(coalesce(x.v -> 'payments', '[]')) p (v)
          where jsonb_typeof(p.v) is distinct from 'object'
            or public.paddle_is_bad_timestamp(p.v -> 'created_at')
            or jsonb_typeof(coalesce(p.v -> 'method_details', 'null')) not in ('object', 'null')
            or jsonb_typeof(coalesce(p.v -> 'method_details' -> 'card', 'null')) not in ('object', 'null')
        ) then 'payment malformed'
      end as problem
      from public.paddle_page_states(p_entities, v_fresh) x
    ) e
    where e.problem is not null
    order by e.ord
    limit 1
  ));

  -- Lossless: a transaction that outruns its customer gets a stub customer (no email, so nobody
  -- can be linked to it) that the customer's own state fills in.
  with stubs as (
    insert into public.customers (customer_id)
    select distinct x.v ->> 'customer_id'
    from public.paddle_page_states(p_entities, v_fresh) x
    where x.v ->> 'customer_id' is not null
    order by 1
    on conflict (customer_id) do nothing
    returning 1
  )
  select count(*) into v_stubbed from stubs;

  with incoming as (
    select n.v, (n.v ->> 'updated_at')::timestamptz as updated_at,
           n.v -> 'details' -> 'totals' as totals,
           nullif(n.v -> 'billing_period', 'null') as period,
           -- Paddle lists attempts newest first; ordering by created_at does not depend on that.
           (select p.v
            from jsonb_array_elements(coalesce(n.v -> 'payments', '[]')) with ordinality p (v, ord)
            order by (p.v ->> 'created_at')::timestamptz desc nulls last, p.ord
            limit 1) as payment,
           (select coalesce(jsonb_agg(jsonb_build_object(
                     'price_id', l.v ->> 'price_id',
                     'product_id', coalesce(l.v -> 'product' ->> 'id', i.price ->> 'product_id'),
                     'product_name', l.v -> 'product' ->> 'name',
                     'price_name', coalesce(i.price ->> 'name', i.price ->> 'description'),
                     'quantity', (l.v ->> 'quantity')::integer,
                     'tax_rate', l.v ->> 'tax_rate',
                     'subtotal', l.v -> 'totals' ->> 'subtotal',
                     'discount', l.v -> 'totals' ->> 'discount',
                     'tax', l.v -> 'totals' ->> 'tax',
                     'total', l.v -> 'totals' ->> 'total'
                   ) order by l.ord), '[]')
            from jsonb_array_elements(coalesce(n.v -> 'details' -> 'line_items', '[]')) with ordinality l (v, ord)
            left join lateral (
              select it.v -> 'price' as price
              from jsonb_array_elements(coalesce(n.v -> 'items', '[]')) it (v)
              where it.v -> 'price' ->> 'id' = l.v ->> 'price_id'
              limit 1
            ) i on true) as line_items
    from public.paddle_newest_per_id(p_entities, v_fresh) n
  ), written as (
    insert into public.transactions as t (
      transaction_id, customer_id, subscription_id, status, origin, collection_mode, currency_code,
      subtotal, discount, tax, total, grand_total, credit, balance,
      invoice_id, invoice_number, billed_at, billing_period_starts_at, billing_period_ends_at,
      line_items, payment_status, payment_error_code, payment_method_type, payment_card_brand,
      payment_card_last4, payment_attempted_at, custom_data, revised_at,
      created_at, updated_at, last_event_occurred_at, last_event_id
    )
    select i.v ->> 'id', i.v ->> 'customer_id', i.v ->> 'subscription_id', i.v ->> 'status',
           i.v ->> 'origin', i.v ->> 'collection_mode', i.v ->> 'currency_code',
           (i.totals ->> 'subtotal')::numeric, (i.totals ->> 'discount')::numeric,
           (i.totals ->> 'tax')::numeric, (i.totals ->> 'total')::numeric,
           (i.totals ->> 'grand_total')::numeric, (i.totals ->> 'credit')::numeric,
           (i.totals ->> 'balance')::numeric,
           i.v ->> 'invoice_id', i.v ->> 'invoice_number', (i.v ->> 'billed_at')::timestamptz,
           (i.period ->> 'starts_at')::timestamptz, (i.period ->> 'ends_at')::timestamptz,
           i.line_items,
           i.payment ->> 'status', i.payment ->> 'error_code',
           i.payment -> 'method_details' ->> 'type',
           i.payment -> 'method_details' -> 'card' ->> 'type',
           i.payment -> 'method_details' -> 'card' ->> 'last4',
           (i.payment ->> 'created_at')::timestamptz,
           nullif(i.v -> 'custom_data', 'null'), (i.v ->> 'revised_at')::timestamptz,
           (i.v ->> 'created_at')::timestamptz, coalesce(i.updated_at, p_occurred_at),
           p_occurred_at, p_event_id
    from incoming i
    on conflict (transaction_id) do update
    set customer_id = excluded.customer_id,
        subscription_id = excluded.subscription_id,
        status = excluded.status,
        origin = excluded.origin,
        collection_mode = excluded.collection_mode,
        currency_code = excluded.currency_code,
        subtotal = excluded.subtotal,
        discount = excluded.discount,
        tax = excluded.tax,
        total = excluded.total,
        grand_total = excluded.grand_total,
        credit = excluded.credit,
        balance = excluded.balance,
        invoice_id = excluded.invoice_id,
        invoice_number = excluded.invoice_number,
        billed_at = excluded.billed_at,
        billing_period_starts_at = excluded.billing_period_starts_at,
        billing_period_ends_at = excluded.billing_period_ends_at,
        line_items = excluded.line_items,
        payment_status = excluded.payment_status,
        payment_error_code = excluded.payment_error_code,
        payment_method_type = excluded.payment_method_type,
        payment_card_brand = excluded.payment_card_brand,
        payment_card_last4 = excluded.payment_card_last4,
        payment_attempted_at = excluded.payment_attempted_at,
        custom_data = excluded.custom_data,
        revised_at = excluded.revised_at,
        created_at = coalesce(excluded.created_at, t.created_at),
        updated_at = excluded.updated_at,
        last_event_occurred_at = excluded.last_event_occurred_at,
        last_event_id = excluded.last_event_id
    where public.paddle_is_newer(excluded.updated_at, excluded.last_event_occurred_at, excluded.last_event_id,
                                 t.updated_at, t.last_event_occurred_at, t.last_event_id)
    returning 1
  )
  select count(*) into v_written from written;

  return jsonb_build_object('received', jsonb_array_length(p_entities), 'written', v_written,
                            'customers_stubbed', v_stubbed);
end;
$$;

revoke all on function public.paddle_is_bad_amount(jsonb), public.apply_paddle_transactions(jsonb, text, timestamptz)
  from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The two entry points, now with transactions
------------------------------------------------------------------------------------------------

create or replace function public.apply_paddle_entities(p_entity_type text, p_entities jsonb) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
  v_received integer;
begin
  if jsonb_typeof(p_entities) is distinct from 'array' then
    raise exception using errcode = '22023', message = 'apply_paddle_entities: entities is not a JSON array';
  end if;
  v_result := case p_entity_type
    when 'product' then public.apply_paddle_products(p_entities, null, null)
    when 'price' then public.apply_paddle_prices(p_entities, null, null)
    when 'customer' then public.apply_paddle_customers(p_entities, null, null)
    when 'subscription' then public.apply_paddle_subscriptions(p_entities, null, null)
    when 'transaction' then public.apply_paddle_transactions(p_entities, null, null)
  end;
  if v_result is null then
    raise exception using errcode = '22023',
      message = format('apply_paddle_entities: entity type %L is not mirrored', p_entity_type);
  end if;
  v_received := jsonb_array_length(p_entities);
  return jsonb_build_object(
    'entity_type', p_entity_type,
    'received', v_received,
    'written', (v_result ->> 'written')::integer,
    'unchanged', v_received - (v_result ->> 'written')::integer,
    'linked', coalesce((v_result ->> 'linked')::integer, 0),
    'items_written', coalesce((v_result ->> 'items_written')::integer, 0),
    'catalog_written', coalesce((v_result ->> 'catalog_written')::integer, 0),
    'customers_stubbed', coalesce((v_result ->> 'customers_stubbed')::integer, 0)
  );
end;
$$;

revoke all on function public.apply_paddle_entities(text, jsonb)
  from public, anon, authenticated, service_role;

-- As in 20261125000200, plus the transaction.* events (entity 'transaction', reported with the
-- customer fields like a subscription, without custom_data_user_id).
create or replace function public.apply_paddle_event(event jsonb) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_event_id text := event ->> 'event_id';
  v_event_type text := event ->> 'event_type';
  v_occurred_text text := event ->> 'occurred_at';
  v_data jsonb := event -> 'data';
  v_occurred_at timestamptz;
  v_entity text;
  v_entity_id text;
  v_customer_id text;
  v_first_outcome text;
  v_counts jsonb;
  v_applied boolean;
  v_user_id uuid;
  v_claimed_user text;
  v_result jsonb;
begin
  if v_event_id is null or v_event_id !~ '^evt_[a-z0-9]{26}$' then
    raise exception using errcode = '22023', message = 'apply_paddle_event: event_id missing or malformed';
  end if;
  if v_occurred_text is null
    or v_occurred_text !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$' then
    raise exception using errcode = '22023', message = 'apply_paddle_event: occurred_at missing or malformed';
  end if;
  v_occurred_at := v_occurred_text::timestamptz;
  if jsonb_typeof(v_data) is distinct from 'object' then
    raise exception using errcode = '22023', message = 'apply_paddle_event: data is not an object';
  end if;

  v_entity := case
    when v_event_type in ('customer.created', 'customer.updated', 'customer.imported') then 'customer'
    when v_event_type in (
      'subscription.created', 'subscription.updated', 'subscription.activated', 'subscription.trialing',
      'subscription.past_due', 'subscription.paused', 'subscription.resumed', 'subscription.canceled',
      'subscription.imported'
    ) then 'subscription'
    when v_event_type in ('product.created', 'product.updated', 'product.imported') then 'product'
    when v_event_type in ('price.created', 'price.updated', 'price.imported') then 'price'
    when v_event_type in (
      'transaction.created', 'transaction.updated', 'transaction.ready', 'transaction.billed',
      'transaction.paid', 'transaction.completed', 'transaction.past_due', 'transaction.payment_failed',
      'transaction.canceled', 'transaction.revised'
    ) then 'transaction'
  end;
  if v_entity is null then
    raise exception using errcode = '22023',
      message = format('apply_paddle_event: event type %L is not mirrored', v_event_type);
  end if;
  v_entity_id := v_data ->> 'id';
  if v_entity_id is null then
    raise exception using errcode = '22023', message = 'apply_paddle_event: data.id missing';
  end if;

  -- Claim the event id first: a concurrent redelivery blocks here until this transaction ends,
  -- then sees the row and reports a duplicate.
  insert into public.paddle_events (event_id, event_type, occurred_at, entity_id, outcome)
  values (v_event_id, v_event_type, v_occurred_at, v_entity_id, 'applied')
  on conflict (event_id) do nothing;
  if not found then
    select e.outcome into v_first_outcome from public.paddle_events e where e.event_id = v_event_id;
    return jsonb_build_object(
      'outcome', 'duplicate', 'event_id', v_event_id, 'event_type', v_event_type,
      'entity', v_entity, 'entity_id', v_entity_id, 'first_outcome', v_first_outcome
    );
  end if;

  v_counts := case v_entity
    when 'customer' then public.apply_paddle_customers(jsonb_build_array(v_data), v_event_id, v_occurred_at)
    when 'subscription' then public.apply_paddle_subscriptions(jsonb_build_array(v_data), v_event_id, v_occurred_at)
    when 'product' then public.apply_paddle_products(jsonb_build_array(v_data), v_event_id, v_occurred_at)
    when 'price' then public.apply_paddle_prices(jsonb_build_array(v_data), v_event_id, v_occurred_at)
    when 'transaction' then public.apply_paddle_transactions(jsonb_build_array(v_data), v_event_id, v_occurred_at)
  end;
  v_applied := (v_counts ->> 'written')::integer > 0;
  if not v_applied then
    update public.paddle_events e set outcome = 'stale' where e.event_id = v_event_id;
  end if;

  v_result := jsonb_build_object(
    'outcome', case when v_applied then 'applied' else 'stale' end,
    'event_id', v_event_id,
    'event_type', v_event_type,
    'entity', v_entity,
    'entity_id', v_entity_id
  );
  if v_entity in ('product', 'price') then
    return v_result;
  end if;

  v_customer_id := case when v_entity = 'customer' then v_entity_id else v_data ->> 'customer_id' end;
  select c.user_id into v_user_id from public.customers c where c.customer_id = v_customer_id;
  -- custom_data.user_id comes from checkout, i.e. from the browser: never used to link, only
  -- reported so a mismatch (a takeover attempt, or a shared email) shows in logs.
  if v_entity = 'subscription' then
    v_claimed_user := v_data -> 'custom_data' ->> 'user_id';
  end if;
  return v_result || jsonb_build_object(
    'customer_id', v_customer_id,
    'customer_linked', v_user_id is not null,
    'linked_now', coalesce((v_counts ->> 'linked')::integer, 0) > 0,
    'customer_stub_created', coalesce((v_counts ->> 'customers_stubbed')::integer, 0) > 0,
    'custom_data_user_id', case
      when v_entity <> 'subscription' then null
      when v_claimed_user is null then 'absent'
      when v_user_id is null then 'unverified'
      when lower(v_claimed_user) = v_user_id::text then 'matches'
      else 'differs'
    end
  ) || case when v_entity = 'subscription' then jsonb_build_object(
    'items_written', (v_counts ->> 'items_written')::integer,
    'catalog_written', (v_counts ->> 'catalog_written')::integer
  ) else '{}'::jsonb end;
end;
$$;

revoke all on function public.apply_paddle_event(jsonb) from public, anon, authenticated;
grant execute on function public.apply_paddle_event(jsonb) to service_role;

------------------------------------------------------------------------------------------------
-- The sync visits transactions last, and a later run reads only what changed since
------------------------------------------------------------------------------------------------

alter table public.paddle_sync_state
  drop constraint paddle_sync_state_entity_type_known,
  add constraint paddle_sync_state_entity_type_known
    check (entity_type in ('product', 'price', 'customer', 'subscription', 'transaction')),
  -- GET /transactions?updated_at[GTE]=<this>: set by a restart after a finished run (that run's
  -- start, less a margin for clock skew), so a later run pages only transactions changed since.
  -- Null reads everything. Only transactions: the other list APIs have no updated_at filter.
  add column updated_since timestamptz;

comment on column public.paddle_sync_state.updated_since is
  'Lower bound on updated_at for this run''s pages (transactions only); null: every entity.';

create or replace function public.paddle_sync_status() returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select case when count(*) = 0 then
    jsonb_build_object('status', 'never_run')
  else
    jsonb_build_object(
      'status', case when bool_and(s.done) then 'done' else 'syncing' end,
      'run_id', min(s.run_id::text),
      'started_at', min(s.started_at),
      'finished_at', case when bool_and(s.done) then max(s.finished_at) end,
      'pages', sum(s.pages),
      'records', sum(s.records),
      'written', sum(s.written + s.items_written + s.catalog_written),
      'entities', jsonb_agg(jsonb_build_object(
        'entity_type', s.entity_type,
        'done', s.done,
        'cursor', s.cursor,
        'updated_since', s.updated_since,
        'pages', s.pages,
        'records', s.records,
        'written', s.written,
        'items_written', s.items_written,
        'catalog_written', s.catalog_written,
        'linked', s.linked,
        'estimated_total', s.estimated_total,
        'started_at', s.started_at,
        'finished_at', s.finished_at,
        'errors', s.errors,
        'last_error', s.last_error,
        'last_error_at', s.last_error_at
      ) order by s.position)
    )
  end
  from public.paddle_sync_state s;
$$;

create or replace function public.paddle_sync_begin(p_restart boolean default false) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_rows integer;
  v_run_id uuid := gen_random_uuid();
begin
  -- Two callers beginning at once must agree on one run.
  lock table public.paddle_sync_state in share row exclusive mode;
  select count(*) into v_rows from public.paddle_sync_state;
  if p_restart or v_rows < 5 then
    insert into public.paddle_sync_state as s (entity_type, position, run_id, started_at)
    values ('product', 1, v_run_id, now()),
           ('price', 2, v_run_id, now()),
           ('customer', 3, v_run_id, now()),
           ('subscription', 4, v_run_id, now()),
           ('transaction', 5, v_run_id, now())
    on conflict (entity_type) do update
    set run_id = excluded.run_id, cursor = null, done = false, pages = 0, records = 0,
        written = 0, items_written = 0, catalog_written = 0, linked = 0,
        estimated_total = null, started_at = excluded.started_at, finished_at = null,
        last_page_at = null, errors = 0, last_error = null, last_error_at = null,
        -- A finished run saw every transaction changed before it started; an unfinished one
        -- keeps the bound it ran with. An hour's margin covers our clock against Paddle's.
        updated_since = case
          when s.entity_type <> 'transaction' then null
          when s.done then s.started_at - interval '1 hour'
          else s.updated_since
        end;
  end if;
  return public.paddle_sync_status();
end;
$$;

revoke all on function public.paddle_sync_status() from public, anon, authenticated;
revoke all on function public.paddle_sync_begin(boolean) from public, anon, authenticated;
grant execute on function public.paddle_sync_status() to service_role;
grant execute on function public.paddle_sync_begin(boolean) to service_role;

------------------------------------------------------------------------------------------------
-- The transaction-invoice function's one round trip
------------------------------------------------------------------------------------------------

-- POST /rest/v1/rpc/transaction_invoice_prepare with the caller's own token. Security invoker:
-- the read runs under the caller's RLS, behind the explicit auth.uid() filter, so another user's
-- transaction and an unknown one are the same answer. Paddle makes an invoice PDF for a
-- completed transaction, and for a billed one when it is manually collected; never for a
-- zero-value one. Refusals come before the mint slot is taken. Returns one of
--   {"outcome": "transaction_not_found"}
--   {"outcome": "invoice_not_available", "status": "<the transaction's status>"}
--   {"outcome": "ready", "transaction_id", "mint": {"taken": bool, "retry_after_seconds": int | null}}
create function public.transaction_invoice_prepare(
  p_transaction_id text,
  p_mint_limit integer default 10
) returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_user_id uuid := (select auth.uid());
  v_transaction public.transactions;
  v_retry integer;
begin
  if v_user_id is null then
    raise exception using errcode = '42501', message = 'transaction_invoice_prepare: no signed-in user';
  end if;

  select t.* into v_transaction
  from public.transactions t
  join public.customers c on c.customer_id = t.customer_id
  where t.transaction_id = p_transaction_id
    and c.user_id = v_user_id;
  if not found then
    return jsonb_build_object('outcome', 'transaction_not_found');
  end if;

  if not (
    v_transaction.status = 'completed'
    or (v_transaction.status = 'billed' and v_transaction.collection_mode = 'manual')
  ) or coalesce(v_transaction.grand_total, 0) = 0 then
    return jsonb_build_object('outcome', 'invoice_not_available', 'status', v_transaction.status);
  end if;

  v_retry := billing_private.take_mint_slot(p_mint_limit);
  return jsonb_build_object(
    'outcome', 'ready',
    'transaction_id', v_transaction.transaction_id,
    'mint', jsonb_build_object('taken', v_retry = 0, 'retry_after_seconds', nullif(v_retry, 0))
  );
end;
$$;

revoke all on function public.transaction_invoice_prepare(text, integer) from public, anon, authenticated, service_role;
grant execute on function public.transaction_invoice_prepare(text, integer) to authenticated;
