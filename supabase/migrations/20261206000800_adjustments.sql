-- Refunds, credits and chargebacks in the mirror: Paddle's adjustments (one row per adj_), so a
-- payment can say "Refunded". Readable by the owner of the customer and nobody else; written only
-- through the one write path (apply_paddle_event for adjustment.created / adjustment.updated,
-- apply_paddle_entities('adjustment', ...) for API pages), newest-wins and lossless like every
-- other mirrored entity (docs/mirror.md). public.refunds(transactions) is a computed relationship
-- the page embeds: a payment's refunds that are approved or still awaiting Paddle's approval.
--
-- Replaced here (create or replace), from their 20261206000400_transactions.sql definitions with
-- only the adjustment branch added: public.apply_paddle_event, public.apply_paddle_entities.

------------------------------------------------------------------------------------------------
-- Table
------------------------------------------------------------------------------------------------

create table public.adjustments (
  adjustment_id text primary key
    constraint adjustments_adjustment_id_shape check (adjustment_id ~ '^adj_[a-z0-9]{26}$'),
  -- No foreign key: an adjustment may arrive before its transaction (events come in any order).
  transaction_id text not null
    constraint adjustments_transaction_id_shape check (transaction_id ~ '^txn_[a-z0-9]{26}$'),
  -- Paddle always names the customer; one the mirror does not know yet gets a stub customer.
  customer_id text not null references public.customers (customer_id) on delete cascade
    constraint adjustments_customer_id_shape check (customer_id ~ '^ctm_[a-z0-9]{26}$'),
  subscription_id text
    constraint adjustments_subscription_id_shape check (subscription_id ~ '^sub_[a-z0-9]{26}$'),
  action text not null
    constraint adjustments_action_known check (action in (
      'refund', 'credit', 'chargeback', 'chargeback_reverse', 'chargeback_warning', 'credit_reverse'
    )),
  -- full: the transaction's grand total; partial: the items listed. Older adjustments have none.
  type text
    constraint adjustments_type_known check (type in ('full', 'partial')),
  status text not null
    constraint adjustments_status_known
    check (status in ('pending_approval', 'approved', 'rejected', 'reversed')),
  reason text,
  currency_code text,
  -- totals, in the currency's lowest denomination exactly as Paddle computed them.
  subtotal numeric,
  tax numeric,
  total numeric,
  fee numeric,
  earnings numeric,
  -- Paddle's items as sent: {item_id, type, amount, proration, totals}.
  items jsonb not null default '[]',
  -- Paddle's own times: updated_at is the version (docs/mirror.md).
  created_at timestamptz,
  updated_at timestamptz,
  last_event_occurred_at timestamptz,
  last_event_id text
);

comment on table public.adjustments is
  'Paddle adjustments (refunds, credits, chargebacks), mirrored newest-wins from adjustment events; visible to the owner of their customer.';

create index adjustments_transaction_id_idx on public.adjustments (transaction_id);
create index adjustments_customer_id_idx on public.adjustments (customer_id);

alter table public.adjustments enable row level security;
-- Supabase's default privileges grant everything on new tables to the API roles; take it all
-- back. Writes go only through the security definer apply functions.
revoke all on table public.adjustments from public, anon, authenticated, service_role;
grant select on table public.adjustments to authenticated, service_role;

create policy "adjustments are readable by the owner of their customer"
  on public.adjustments for select to authenticated
  using (
    customer_id in (
      select c.customer_id from public.customers c where c.user_id = (select auth.uid())
    )
  );

-- Estimated counts: billing_private.refuse_estimated_counts (20261206000100) already refuses them
-- on every path; tests/count_leak_test.ts lists adjustments among the private tables.

------------------------------------------------------------------------------------------------
-- What a payment shows: its refunds (PostgREST embeds this as transactions?select=...,refunds(...))
------------------------------------------------------------------------------------------------

-- A computed relationship rather than a foreign key, because an adjustment may be mirrored before
-- its transaction. Security invoker: the adjustments policy applies to the embedded rows too.
-- Rejected and reversed refunds returned nothing, so they are left out.
create function public.refunds(public.transactions) returns setof public.adjustments
language sql
stable
rows 2
set search_path = ''
as $$
  select a.*
  from public.adjustments a
  where a.transaction_id = $1.transaction_id
    and a.action = 'refund'
    and a.status in ('approved', 'pending_approval')
  order by a.created_at, a.adjustment_id
$$;

revoke all on function public.refunds(public.transactions) from public, anon;
grant execute on function public.refunds(public.transactions) to authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The apply function
------------------------------------------------------------------------------------------------

-- Returns {"received": n, "written": n, "customers_stubbed": n}. Internal: executable by its
-- owner only, i.e. through apply_paddle_event / apply_paddle_entities.
create function public.apply_paddle_adjustments(
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
  -- Only states that could win go further (docs/mirror.md, "Validation").
  select coalesce(array_agg(x.ord::integer order by x.ord), '{}')
  into v_fresh
  from jsonb_array_elements(p_entities) with ordinality x (v, ord)
  left join public.adjustments a on a.adjustment_id = x.v ->> 'id'
  where public.paddle_may_be_newer(a.adjustment_id is not null, x.v ->> 'updated_at', p_occurred_at, p_event_id,
                                   a.updated_at, a.last_event_occurred_at, a.last_event_id);
  if cardinality(v_fresh) = 0 then
    return jsonb_build_object('received', jsonb_array_length(p_entities), 'written', 0, 'customers_stubbed', 0);
  end if;

  perform public.paddle_raise_malformed('apply_paddle_adjustments', (
    select format('adjustment %s: %s', e.ord, e.problem)
    from (
      select x.ord, case
        when jsonb_typeof(x.v) is distinct from 'object' then 'not an object'
        when (x.v ->> 'id') is null or (x.v ->> 'id') !~ '^adj_[a-z0-9]{26}$' then 'id missing or malformed'
        when (x.v ->> 'transaction_id') is null or (x.v ->> 'transaction_id') !~ '^txn_[a-z0-9]{26}$'
          then 'transaction_id missing or malformed'
        when (x.v ->> 'customer_id') is null or (x.v ->> 'customer_id') !~ '^ctm_[a-z0-9]{26}$'
          then 'customer_id missing or malformed'
        when (x.v ->> 'subscription_id') !~ '^sub_[a-z0-9]{26}$' then 'subscription_id malformed'
        when (x.v ->> 'action') is null or (x.v ->> 'action') not in (
          'refund', 'credit', 'chargeback', 'chargeback_reverse', 'chargeback_warning', 'credit_reverse'
        ) then 'action unknown'
        when (x.v ->> 'type') not in ('full', 'partial') then 'type unknown'
        when (x.v ->> 'status') is null
          or (x.v ->> 'status') not in ('pending_approval', 'approved', 'rejected', 'reversed') then 'status unknown'
        when public.paddle_is_bad_timestamp(x.v -> 'created_at')
          or public.paddle_is_bad_timestamp(x.v -> 'updated_at') then 'timestamp malformed'
        when jsonb_typeof(coalesce(x.v -> 'totals', 'null')) not in ('object', 'null')
          or public.paddle_is_bad_amount(x.v -> 'totals' -> 'subtotal')
          or public.paddle_is_bad_amount(x.v -> 'totals' -> 'tax')
          or public.paddle_is_bad_amount(x.v -> 'totals' -> 'total')
          or public.paddle_is_bad_amount(x.v -> 'totals' -> 'fee')
          or public.paddle_is_bad_amount(x.v -> 'totals' -> 'earnings') then 'totals malformed'
        when jsonb_typeof(coalesce(x.v -> 'items', '[]')) <> 'array'
          or exists (
            select 1 from jsonb_array_elements(coalesce(x.v -> 'items', '[]')) i (v)
            where jsonb_typeof(i.v) is distinct from 'object'
          ) then 'items malformed'
      end as problem
      from public.paddle_page_states(p_entities, v_fresh) x
    ) e
    where e.problem is not null
    order by e.ord
    limit 1
  ));

  -- Lossless: an adjustment that outruns its customer gets a stub customer (no email, so nobody
  -- can be linked to it) that the customer's own state fills in.
  with stubs as (
    insert into public.customers (customer_id)
    select distinct x.v ->> 'customer_id'
    from public.paddle_page_states(p_entities, v_fresh) x
    order by 1
    on conflict (customer_id) do nothing
    returning 1
  )
  select count(*) into v_stubbed from stubs;

  with written as (
    insert into public.adjustments as a (
      adjustment_id, transaction_id, customer_id, subscription_id, action, type, status, reason,
      currency_code, subtotal, tax, total, fee, earnings, items,
      created_at, updated_at, last_event_occurred_at, last_event_id
    )
    select n.v ->> 'id', n.v ->> 'transaction_id', n.v ->> 'customer_id', n.v ->> 'subscription_id',
           n.v ->> 'action', n.v ->> 'type', n.v ->> 'status', n.v ->> 'reason',
           coalesce(n.v ->> 'currency_code', n.v -> 'totals' ->> 'currency_code'),
           (n.v -> 'totals' ->> 'subtotal')::numeric, (n.v -> 'totals' ->> 'tax')::numeric,
           (n.v -> 'totals' ->> 'total')::numeric, (n.v -> 'totals' ->> 'fee')::numeric,
           (n.v -> 'totals' ->> 'earnings')::numeric,
           coalesce(n.v -> 'items', '[]'),
           (n.v ->> 'created_at')::timestamptz,
           coalesce((n.v ->> 'updated_at')::timestamptz, p_occurred_at),
           p_occurred_at, p_event_id
    from public.paddle_newest_per_id(p_entities, v_fresh) n
    on conflict (adjustment_id) do update
    set transaction_id = excluded.transaction_id,
        customer_id = excluded.customer_id,
        subscription_id = excluded.subscription_id,
        action = excluded.action,
        type = excluded.type,
        status = excluded.status,
        reason = excluded.reason,
        currency_code = excluded.currency_code,
        subtotal = excluded.subtotal,
        tax = excluded.tax,
        total = excluded.total,
        fee = excluded.fee,
        earnings = excluded.earnings,
        items = excluded.items,
        created_at = coalesce(excluded.created_at, a.created_at),
        updated_at = excluded.updated_at,
        last_event_occurred_at = excluded.last_event_occurred_at,
        last_event_id = excluded.last_event_id
    where public.paddle_is_newer(excluded.updated_at, excluded.last_event_occurred_at, excluded.last_event_id,
                                 a.updated_at, a.last_event_occurred_at, a.last_event_id)
    returning 1
  )
  select count(*) into v_written from written;

  return jsonb_build_object('received', jsonb_array_length(p_entities), 'written', v_written,
                            'customers_stubbed', v_stubbed);
end;
$$;

revoke all on function public.apply_paddle_adjustments(jsonb, text, timestamptz)
  from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The two entry points, now with adjustments
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
    when 'adjustment' then public.apply_paddle_adjustments(p_entities, null, null)
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

-- As in 20261206000400, plus adjustment.created / adjustment.updated (entity 'adjustment',
-- reported with the customer fields like a transaction).
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
    when v_event_type in ('adjustment.created', 'adjustment.updated') then 'adjustment'
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
    when 'adjustment' then public.apply_paddle_adjustments(jsonb_build_array(v_data), v_event_id, v_occurred_at)
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

