-- What is for sale, plans versus add-ons (issue 17), read from the catalog itself.
--
-- Paddle has no notion of a plan or an add-on. The convention is the one of Paddle's own sample
-- catalogs (AeroEdit, ChatApp): a plan product's custom_data carries
--   {"features": {"<feature>": <value>, ...}, "suggested_addons": ["pro_...", ...]}
-- A product named in an active product's suggested_addons is an add-on; every other active
-- product with active recurring prices is a plan. public.catalog_prices is the one list of what
-- is for sale: checkout, subscription-update and the page all read it (README, "The catalog").

------------------------------------------------------------------------------------------------
-- The add-on rule, once
------------------------------------------------------------------------------------------------

-- The ids of add-on products: every well-formed id in an active product's suggested_addons.
-- Any active product's list counts, not only a plan's: a product a seller calls an add-on
-- anywhere is never sold or counted on its own (an add-on that suggests another one cannot make
-- that one a plan). No `set search_path`, so Postgres inlines it into the view and into
-- has_active_subscription; every name in it is schema-qualified.
create function billing_private.addon_product_ids() returns setof text
language sql
stable
as $$
  select distinct a.id
  from public.products p
  cross join lateral jsonb_array_elements_text(
    case when jsonb_typeof(p.custom_data -> 'suggested_addons') = 'array'
      then jsonb_path_query_array(p.custom_data -> 'suggested_addons', '$[*] ? (@.type() == "string")')
      else '[]'::jsonb end
  ) a (id)
  where p.status = 'active'
    and a.id ~ '^pro_[a-z0-9]{26}$'
$$;

revoke all on function billing_private.addon_product_ids() from public, anon, authenticated, service_role;
-- The view below is security invoker: whoever reads it runs this.
grant execute on function billing_private.addon_product_ids() to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- public.catalog_prices: one row per price for sale
------------------------------------------------------------------------------------------------

-- For sale: an active recurring price (a one-time price makes no subscription) of an active
-- product. Paddle's default quantity bounds (1..100) applied. features and suggested_addons are
-- the plan's (null for an add-on); suggested_addons keeps the seller's order and only the
-- add-ons that have a price for sale, so a reader can trust every id in it.
create view public.catalog_prices
with (security_invoker = true)
as
with addons as (
  select a.id from billing_private.addon_product_ids() a (id)
),
for_sale as (
  select
    p.price_id,
    p.product_id,
    case when p.product_id in (select id from addons) then 'addon' else 'plan' end as role,
    pr.name as product_name,
    pr.description as product_description,
    p.name as price_name,
    p.description as price_description,
    p.billing_cycle_interval,
    p.billing_cycle_frequency,
    p.unit_price_amount,
    p.unit_price_currency,
    coalesce(p.quantity_minimum, 1) as quantity_minimum,
    coalesce(p.quantity_maximum, 100) as quantity_maximum,
    p.trial_period_interval,
    p.trial_period_frequency,
    pr.custom_data as product_custom_data
  from public.prices p
  join public.products pr on pr.product_id = p.product_id
  where p.status = 'active'
    and p.billing_cycle_interval is not null
    and pr.status = 'active'
)
select
  f.price_id,
  f.product_id,
  f.role,
  f.product_name,
  f.price_name,
  f.billing_cycle_interval,
  f.billing_cycle_frequency,
  f.unit_price_amount,
  f.unit_price_currency,
  f.quantity_minimum,
  f.quantity_maximum,
  case when f.role = 'plan' then
    case when jsonb_typeof(f.product_custom_data -> 'features') = 'object'
      then f.product_custom_data -> 'features' else '{}'::jsonb end
  end as features,
  case when f.role = 'plan' then array(
    select s.id
    from jsonb_array_elements(
      case when jsonb_typeof(f.product_custom_data -> 'suggested_addons') = 'array'
        then f.product_custom_data -> 'suggested_addons' else '[]'::jsonb end
    ) with ordinality s0 (v, ord)
    cross join lateral (select s0.v #>> '{}' as id) s
    where jsonb_typeof(s0.v) = 'string'
      and exists (select 1 from for_sale a where a.product_id = s.id and a.role = 'addon')
    group by s.id
    order by min(s0.ord)
  ) end as suggested_addons,
  f.product_description,
  f.price_description,
  f.trial_period_interval,
  f.trial_period_frequency
from for_sale f;

comment on view public.catalog_prices is
  'What is for sale: active recurring prices of active products, each a plan''s or an add-on''s (custom_data.suggested_addons). Security invoker: the catalog''s RLS applies.';

revoke all on table public.catalog_prices from public, anon, authenticated, service_role;
grant select on table public.catalog_prices to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- has_active_subscription: an add-on alone is not a subscription to anything
------------------------------------------------------------------------------------------------

-- Replaces the function of 20261125000200: without a product, a subscription whose items are
-- all add-ons no longer counts; one holding any other item does (a plan, for sale today or not:
-- a customer on a retired plan is still subscribed). With a product, unchanged.
create or replace function public.has_active_subscription(p_product_id text default null) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.customers c
    join public.subscriptions s on s.customer_id = c.customer_id
    where c.user_id = (select auth.uid())
      and s.status in ('active', 'trialing', 'past_due')
      and case
        when p_product_id is null then not exists (
          -- Items, every one an add-on. (A state without items, which only a mirror older than
          -- the items table can hold, counts as before.)
          select 1 from public.subscription_items i
          where i.subscription_id = s.subscription_id
          having count(*) > 0
            and bool_and(i.product_id in (select a.id from billing_private.addon_product_ids() a (id)))
        )
        else exists (
          select 1 from public.subscription_items i
          where i.subscription_id = s.subscription_id and i.product_id = p_product_id
        )
      end
  )
$$;

-- create or replace keeps the landed grants; restated so this file reads complete.
revoke all on function public.has_active_subscription(text) from public, anon, authenticated, service_role;
grant execute on function public.has_active_subscription(text) to authenticated;

------------------------------------------------------------------------------------------------
-- Checkout: a plan plus the add-ons it suggests, and one open checkout per user
------------------------------------------------------------------------------------------------

-- The caller's open checkout: at most one Paddle transaction that can still be paid, and the
-- claim of the one request allowed to change it. A request that finds the same items open gets
-- the same URL; one with other items claims the row, cancels the open transaction in Paddle,
-- creates a new one and settles the row (checkout_settle). The claim is a lease, so a request
-- that dies mid-way holds nobody up for longer than claim_until. The URL is kept because it is
-- the caller's own answer to give again; no API role can read this table.
create table billing_private.open_checkouts (
  user_id uuid primary key references auth.users (id) on delete cascade,
  -- The open transaction, or all null.
  transaction_id text constraint open_checkouts_transaction_id_shape check (transaction_id ~ '^txn_[a-z0-9]{26}$'),
  checkout_url text,
  items_key text,
  opened_at timestamptz,
  -- The request changing it, or all null.
  claim uuid,
  claim_items_key text,
  claim_until timestamptz,
  constraint open_checkouts_open_complete check (
    (transaction_id is null) = (checkout_url is null)
    and (transaction_id is null) = (items_key is null)
    and (transaction_id is null) = (opened_at is null)),
  constraint open_checkouts_claim_complete check (
    (claim is null) = (claim_items_key is null) and (claim is null) = (claim_until is null))
);

comment on table billing_private.open_checkouts is
  'Each user''s one open Paddle checkout transaction and the claim of the request changing it (checkout_prepare, checkout_claim, checkout_settle).';

revoke all on table billing_private.open_checkouts from public, anon, authenticated, service_role;

-- How long a claim holds off other requests: longer than the function can spend on Paddle
-- (customer, cancel, create, each with its deadline and one retry).
create function billing_private.checkout_claim_seconds() returns integer
language sql
immutable
as $$ select 60 $$;

-- Decides, for the caller and these items, under the row's lock:
--   {"action": "reuse", "transaction_id", "url"}  the same items are open: give the same URL
--   {"action": "wait", "retry_after_ms"}          another request holds the claim
--   {"action": "create", "claim", "cancel_transaction_id": "txn_..." | null}
--                                                 this request creates; cancel the open one first
-- An open transaction counts as paid (so never reused) once a subscription of the caller's was
-- created after it opened (Paddle's time, a minute's leeway for clocks): the webhook of its
-- payment has landed. Counting too much only costs a cancel and a new transaction.
create function billing_private.claim_checkout(p_items_key text) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := (select auth.uid());
  v_row billing_private.open_checkouts;
  v_claim uuid;
begin
  if v_user_id is null or p_items_key is null then
    raise exception using errcode = '42501', message = 'claim_checkout: no signed-in user';
  end if;
  insert into billing_private.open_checkouts (user_id) values (v_user_id) on conflict do nothing;
  select * into v_row from billing_private.open_checkouts o where o.user_id = v_user_id for update;

  if v_row.claim is not null and v_row.claim_until > now() then
    return jsonb_build_object('action', 'wait', 'retry_after_ms',
      least(1000, greatest(50, ceil(extract(epoch from v_row.claim_until - now()) * 1000)::integer)));
  end if;

  if v_row.transaction_id is not null and v_row.items_key = p_items_key and not exists (
    select 1
    from public.customers c
    join public.subscriptions s on s.customer_id = c.customer_id
    where c.user_id = v_user_id and s.created_at >= v_row.opened_at - interval '1 minute'
  ) then
    update billing_private.open_checkouts o
    set claim = null, claim_items_key = null, claim_until = null
    where o.user_id = v_user_id;
    return jsonb_build_object('action', 'reuse', 'transaction_id', v_row.transaction_id, 'url', v_row.checkout_url);
  end if;

  v_claim := gen_random_uuid();
  update billing_private.open_checkouts o
  set claim = v_claim, claim_items_key = p_items_key,
      claim_until = now() + make_interval(secs => billing_private.checkout_claim_seconds())
  where o.user_id = v_user_id;
  return jsonb_build_object('action', 'create', 'claim', v_claim, 'cancel_transaction_id', v_row.transaction_id);
end;
$$;

revoke all on function billing_private.claim_checkout(text) from public, anon, authenticated, service_role;
grant execute on function billing_private.claim_checkout(text) to authenticated;

-- Replaces checkout_prepare(text, integer, text[], integer) of 20261125000400: the seller's list
-- (PADDLE_CHECKOUT_PRICE_IDS) is gone, what is for sale is public.catalog_prices, and the items
-- are a plan's price plus add-ons the plan suggests. p_addons: [{"price_id", "quantity"}, ...].
-- Security invoker, as before: the reads run as the caller. Returns one of
--   {"outcome": "price_not_found", "price_id"}   not for sale, or an add-on where a plan goes
--   {"outcome": "invalid_items", "reason"}       an add-on the plan does not suggest, a duplicate,
--                                                another billing cycle or currency
--   {"outcome": "invalid_quantity", "price_id", "minimum", "maximum"}
--   {"outcome": "already_subscribed"} | {"outcome": "email_not_confirmed"}
--   {"outcome": "ready", "user_id", "customer_id", "email", "mint": {...},
--    "items": [{"price_id", "quantity"}, ...] (plan first), "items_key",
--    "checkout": <billing_private.claim_checkout's answer, only when the mint slot was taken>}
drop function public.checkout_prepare(text, integer, text[], integer);

create function public.checkout_prepare(
  p_price_id text,
  p_quantity integer,
  p_addons jsonb default '[]',
  p_mint_limit integer default 10
) returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_user_id uuid := (select auth.uid());
  v_plan public.catalog_prices;
  v_item record;
  v_items jsonb;
  v_items_key text;
  v_customer_id text;
  v_email text;
  v_retry integer;
begin
  if v_user_id is null then
    raise exception using errcode = '42501', message = 'checkout_prepare: no signed-in user';
  end if;
  if jsonb_typeof(p_addons) is distinct from 'array' then
    raise exception using errcode = '22023', message = 'checkout_prepare: p_addons must be an array';
  end if;

  select * into v_plan from public.catalog_prices c where c.price_id = p_price_id and c.role = 'plan';
  if not found then
    return jsonb_build_object('outcome', 'price_not_found', 'price_id', p_price_id);
  end if;

  -- Every add-on, in the order given, against the catalog: not for sale first, then the rules.
  for v_item in
    select a.v ->> 'price_id' as price_id, c.role
    from jsonb_array_elements(p_addons) with ordinality a (v, ord)
    left join public.catalog_prices c on c.price_id = a.v ->> 'price_id'
    order by a.ord
  loop
    if v_item.role is null then
      return jsonb_build_object('outcome', 'price_not_found', 'price_id', v_item.price_id);
    end if;
  end loop;
  for v_item in
    select a.ord, a.v ->> 'price_id' as price_id, c.role, c.product_id, c.billing_cycle_interval,
           c.billing_cycle_frequency, c.unit_price_currency,
           count(*) over (partition by a.v ->> 'price_id') as times
    from jsonb_array_elements(p_addons) with ordinality a (v, ord)
    join public.catalog_prices c on c.price_id = a.v ->> 'price_id'
    order by a.ord
  loop
    if v_item.role <> 'addon' or not (v_item.product_id = any (v_plan.suggested_addons)) then
      return jsonb_build_object('outcome', 'invalid_items', 'reason', 'not_suggested');
    end if;
    if v_item.times > 1 or v_item.price_id = p_price_id then
      return jsonb_build_object('outcome', 'invalid_items', 'reason', 'duplicate');
    end if;
    if (v_item.billing_cycle_interval, v_item.billing_cycle_frequency, v_item.unit_price_currency)
       is distinct from (v_plan.billing_cycle_interval, v_plan.billing_cycle_frequency, v_plan.unit_price_currency) then
      return jsonb_build_object('outcome', 'invalid_items', 'reason', 'mixed_billing');
    end if;
  end loop;

  -- Quantities against each price's bounds, the plan's first.
  select i.price_id, i.quantity, c.quantity_minimum, c.quantity_maximum into v_item
  from (
    select p_price_id as price_id, p_quantity as quantity, 0::bigint as ord
    union all
    select a.v ->> 'price_id', (a.v ->> 'quantity')::integer, a.ord
    from jsonb_array_elements(p_addons) with ordinality a (v, ord)
  ) i
  join public.catalog_prices c on c.price_id = i.price_id
  where i.quantity is null or i.quantity < c.quantity_minimum or i.quantity > c.quantity_maximum
  order by i.ord
  limit 1;
  if found then
    return jsonb_build_object('outcome', 'invalid_quantity', 'price_id', v_item.price_id,
      'minimum', v_item.quantity_minimum, 'maximum', v_item.quantity_maximum);
  end if;

  -- The items as Paddle gets them (plan first, add-ons by price id), and the same as one key.
  select jsonb_agg(jsonb_build_object('price_id', i.price_id, 'quantity', i.quantity) order by i.ord, i.price_id),
         string_agg(i.price_id || '*' || i.quantity, ',' order by i.ord, i.price_id)
  into v_items, v_items_key
  from (
    select p_price_id as price_id, p_quantity as quantity, 0 as ord
    union all
    select a ->> 'price_id', (a ->> 'quantity')::integer, 1
    from jsonb_array_elements(p_addons) a
  ) i;

  select c.customer_id into v_customer_id
  from public.customers c
  where c.user_id = v_user_id;

  -- Paused counts: Paddle still holds the subscription, and resuming it is the portal's job.
  if v_customer_id is not null and exists (
    select 1 from public.subscriptions s
    where s.customer_id = v_customer_id
      and s.status in ('active', 'trialing', 'past_due', 'paused')
  ) then
    return jsonb_build_object('outcome', 'already_subscribed');
  end if;

  -- Without a linked customer, the only thing we may give Paddle is an email Auth has confirmed.
  if v_customer_id is null then
    v_email := billing_private.caller_confirmed_email();
    if v_email is null then
      return jsonb_build_object('outcome', 'email_not_confirmed');
    end if;
  end if;

  v_retry := billing_private.take_mint_slot(p_mint_limit);
  return jsonb_build_object(
    'outcome', 'ready',
    'user_id', v_user_id,
    'customer_id', v_customer_id,
    'email', v_email,
    'mint', jsonb_build_object('taken', v_retry = 0, 'retry_after_seconds', nullif(v_retry, 0)),
    'items', v_items,
    'items_key', v_items_key,
    'checkout', case when v_retry = 0 then billing_private.claim_checkout(v_items_key) end
  );
end;
$$;

revoke all on function public.checkout_prepare(text, integer, jsonb, integer) from public, anon, authenticated, service_role;
grant execute on function public.checkout_prepare(text, integer, jsonb, integer) to authenticated;

-- Asked again while another request holds the claim (checkout_prepare answered "wait"): the
-- same decision, without another mint slot. The key is checkout_prepare's items_key; a caller
-- who sends another one only claims their own row.
create function public.checkout_claim(p_items_key text) returns jsonb
language sql
security invoker
set search_path = ''
as $$ select billing_private.claim_checkout(p_items_key) $$;

revoke all on function public.checkout_claim(text) from public, anon, authenticated, service_role;
grant execute on function public.checkout_claim(text) to authenticated;

-- Ends a claim (service role only: it names a user and a transaction, so a user who could call it
-- could make checkout cancel someone else's transaction). With a transaction: that one is now the
-- user's open checkout. Without: p_previous_canceled says whether the open one was canceled.
-- Returns {"outcome": "settled"}, or {"outcome": "lost"} when the claim is no longer this one
-- (its lease ran out and another request took it): the caller then cancels what it created.
create function public.checkout_settle(
  p_user_id uuid,
  p_claim uuid,
  p_transaction_id text default null,
  p_url text default null,
  p_previous_canceled boolean default false
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_user_id is null or p_claim is null or (p_transaction_id is null) <> (p_url is null) then
    raise exception using errcode = '22023', message = 'checkout_settle: user, claim, and a transaction with its URL or neither';
  end if;
  update billing_private.open_checkouts o
  set transaction_id = case when p_transaction_id is not null then p_transaction_id
                            when p_previous_canceled then null else o.transaction_id end,
      checkout_url = case when p_transaction_id is not null then p_url
                          when p_previous_canceled then null else o.checkout_url end,
      items_key = case when p_transaction_id is not null then o.claim_items_key
                       when p_previous_canceled then null else o.items_key end,
      opened_at = case when p_transaction_id is not null then now()
                       when p_previous_canceled then null else o.opened_at end,
      claim = null, claim_items_key = null, claim_until = null
  where o.user_id = p_user_id and o.claim = p_claim;
  return jsonb_build_object('outcome', case when found then 'settled' else 'lost' end);
end;
$$;

revoke all on function public.checkout_settle(uuid, uuid, text, text, boolean) from public, anon, authenticated, service_role;
grant execute on function public.checkout_settle(uuid, uuid, text, text, boolean) to service_role;
