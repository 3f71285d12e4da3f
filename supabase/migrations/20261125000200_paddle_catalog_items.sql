-- The complete Paddle mirror: the catalog (products, prices), every subscription item, the
-- subscription fields a page needs, imported records, and one write path for webhooks and the
-- API sync alike.
--
-- One rule decides what is "newer" (docs/mirror.md): every mirrored row carries the version key
--   (Paddle's updated_at, last_event_occurred_at, last_event_id)   -- compared as a tuple, nulls lowest
-- A webhook event brings (coalesce(data.updated_at, occurred_at), occurred_at, event_id); an API
-- snapshot brings (updated_at, null, null). An incoming state is written only when its key is
-- strictly greater, so a snapshot of a version an event already stored writes nothing, and every
-- arrival order of events and snapshots ends on the newest state.
--
-- Write path: one set-based apply function per entity over a jsonb array of Paddle entities
-- (apply_paddle_products / _prices / _customers / _subscriptions), called by the webhook
-- dispatcher apply_paddle_event (a one-element array plus the event's context) and by the batch
-- function apply_paddle_entities (a page of API entities, no event context).

------------------------------------------------------------------------------------------------
-- Tables
------------------------------------------------------------------------------------------------

create table public.products (
  product_id text primary key
    constraint products_product_id_shape check (product_id ~ '^pro_[a-z0-9]{26}$'),
  name text,
  description text,
  type text,
  tax_category text,
  image_url text,
  status text constraint products_status_known check (status in ('active', 'archived')),
  custom_data jsonb,
  import_meta jsonb,
  -- Paddle's own times: updated_at is the version (null only for a product first seen embedded
  -- in a subscription payload without one; any dated state then wins).
  created_at timestamptz,
  updated_at timestamptz,
  last_event_occurred_at timestamptz,
  last_event_id text
);

comment on table public.products is
  'Paddle products (public catalog), mirrored newest-wins from product events, subscription payloads and the API sync.';

create table public.prices (
  price_id text primary key
    constraint prices_price_id_shape check (price_id ~ '^pri_[a-z0-9]{26}$'),
  -- A price may arrive before its product: the product is then a stub (id only, no version)
  -- until its own state comes. The key lets PostgREST embed products in prices.
  product_id text not null references public.products (product_id)
    constraint prices_product_id_shape check (product_id ~ '^pro_[a-z0-9]{26}$'),
  name text,
  description text,
  type text,
  tax_mode text,
  -- Paddle's lowest-denomination string ("3000" = $30.00), kept exact.
  unit_price_amount numeric,
  unit_price_currency text,
  -- Null for one-time prices.
  billing_cycle_interval text
    constraint prices_billing_cycle_interval_known
    check (billing_cycle_interval in ('day', 'week', 'month', 'year')),
  billing_cycle_frequency integer,
  trial_period_interval text
    constraint prices_trial_period_interval_known
    check (trial_period_interval in ('day', 'week', 'month', 'year')),
  trial_period_frequency integer,
  quantity_minimum integer,
  quantity_maximum integer,
  status text constraint prices_status_known check (status in ('active', 'archived')),
  custom_data jsonb,
  import_meta jsonb,
  created_at timestamptz,
  updated_at timestamptz,
  last_event_occurred_at timestamptz,
  last_event_id text
);

comment on table public.prices is
  'Paddle prices (public catalog), mirrored newest-wins from price events, subscription payloads and the API sync.';

create index prices_product_id_idx on public.prices (product_id);

create table public.subscription_items (
  subscription_id text not null references public.subscriptions (subscription_id) on delete cascade,
  -- Every item embeds its price (and product), stored in the catalog before the item.
  price_id text not null references public.prices (price_id)
    constraint subscription_items_price_id_shape check (price_id ~ '^pri_[a-z0-9]{26}$'),
  product_id text not null references public.products (product_id)
    constraint subscription_items_product_id_shape check (product_id ~ '^pro_[a-z0-9]{26}$'),
  quantity integer not null,
  status text constraint subscription_items_status_known check (status in ('active', 'inactive', 'trialing')),
  recurring boolean,
  created_at timestamptz,
  updated_at timestamptz,
  previously_billed_at timestamptz,
  next_billed_at timestamptz,
  trial_starts_at timestamptz,
  trial_ends_at timestamptz,
  primary key (subscription_id, price_id)
);

comment on table public.subscription_items is
  'Exactly the items of the newest known state of each subscription; visible to the owner of the subscription.';
-- The primary key's leading column serves the items policy and has_active_subscription's item check.

alter table public.customers
  add column name text,
  add column status text constraint customers_status_known check (status in ('active', 'archived')),
  add column custom_data jsonb,
  add column import_meta jsonb,
  add column paddle_updated_at timestamptz;

comment on column public.customers.paddle_updated_at is
  'The customer''s updated_at as Paddle reported it: the version (docs/mirror.md). updated_at is the local row-touched time.';
comment on column public.customers.import_meta is
  'Paddle''s import_meta ({external_id, imported_from}) for customers migrated into Paddle; informational, never used to link.';

alter table public.subscriptions
  add column currency_code text,
  add column collection_mode text
    constraint subscriptions_collection_mode_known check (collection_mode in ('automatic', 'manual')),
  add column billing_cycle_interval text
    constraint subscriptions_billing_cycle_interval_known
    check (billing_cycle_interval in ('day', 'week', 'month', 'year')),
  add column billing_cycle_frequency integer,
  add column current_period_starts_at timestamptz,
  add column current_period_ends_at timestamptz,
  add column next_billed_at timestamptz,
  add column started_at timestamptz,
  add column first_billed_at timestamptz,
  add column paused_at timestamptz,
  add column canceled_at timestamptz,
  add column custom_data jsonb,
  add column import_meta jsonb,
  add column paddle_updated_at timestamptz;

comment on column public.subscriptions.paddle_updated_at is
  'The subscription''s updated_at as Paddle reported it: the version (docs/mirror.md). updated_at is the local row-touched time.';
comment on column public.subscriptions.price_id is
  'The first recurring item''s price (kept for readers of one plan); every item is in subscription_items.';

-- Backfill: rows written by the previous apply function know only their event's occurred_at.
-- The row-touched trigger stays out of it: nothing about these rows changed.
alter table public.customers disable trigger customers_set_updated_at;
alter table public.subscriptions disable trigger subscriptions_set_updated_at;
update public.customers set paddle_updated_at = last_event_occurred_at
where last_event_occurred_at is not null;
update public.subscriptions set paddle_updated_at = last_event_occurred_at
where last_event_occurred_at is not null;
alter table public.customers enable trigger customers_set_updated_at;
alter table public.subscriptions enable trigger subscriptions_set_updated_at;
-- The previous mirror kept one price per subscription: that becomes its one item until Paddle
-- sends a newer state (which then replaces the items wholesale). Its price and product are stubs
-- (id only, no version) until their own states come, from an event or the sync.
insert into public.products (product_id)
select distinct s.product_id from public.subscriptions s
where s.price_id is not null and s.product_id is not null
on conflict do nothing;
insert into public.prices (price_id, product_id)
select distinct on (s.price_id) s.price_id, s.product_id from public.subscriptions s
where s.price_id is not null and s.product_id is not null
order by s.price_id
on conflict do nothing;
insert into public.subscription_items (subscription_id, price_id, product_id, quantity, status, recurring)
select s.subscription_id, s.price_id, s.product_id, 1,
       case when s.status = 'canceled' then 'inactive' else 'active' end, true
from public.subscriptions s
where s.price_id is not null and s.product_id is not null;

------------------------------------------------------------------------------------------------
-- Row-level security: the catalog is public, items belong to the subscription's owner
------------------------------------------------------------------------------------------------

alter table public.products enable row level security;
alter table public.prices enable row level security;
alter table public.subscription_items enable row level security;

-- Supabase's default privileges grant everything on new tables to the API roles; take it all
-- back. Writes go only through the security definer apply functions below, so no API role
-- (service_role included) writes these tables directly.
revoke all on table public.products, public.prices, public.subscription_items
  from public, anon, authenticated, service_role;
-- The catalog is what Paddle shows anyone holding a client-side token.
grant select on table public.products, public.prices to anon, authenticated, service_role;
grant select on table public.subscription_items to authenticated, service_role;

create policy "the catalog is readable by everyone"
  on public.products for select to anon, authenticated
  using (true);

create policy "the catalog is readable by everyone"
  on public.prices for select to anon, authenticated
  using (true);

create policy "subscription items are readable by the owner of their subscription"
  on public.subscription_items for select to authenticated
  using (
    subscription_id in (
      select s.subscription_id
      from public.subscriptions s
      join public.customers c on c.customer_id = s.customer_id
      where c.user_id = (select auth.uid())
    )
  );

------------------------------------------------------------------------------------------------
-- Validation helpers: a malformed entity raises SQLSTATE 22023 and nothing of the call is kept
------------------------------------------------------------------------------------------------

-- The small SQL helpers below have no `set search_path`, on purpose: a SET clause
-- stops Postgres from inlining a SQL function, and they are evaluated a few times per entity
-- (tens of thousands of calls for a large sync), where a non-inlined call with its GUC save and
-- restore costs several times the check itself. Their bodies use only pg_catalog operators and
-- functions and schema-qualified helpers, and they are inlined into callers that run with an
-- empty search_path, so nothing in them resolves through a caller's search_path.

-- RFC 3339 with an explicit offset: a zone-less time would be read in the session's zone.
create function public.paddle_is_bad_timestamp(p_value jsonb) returns boolean
language sql
immutable
as $$
  select p_value is not null and p_value <> 'null'::jsonb
    and (jsonb_typeof(p_value) <> 'string'
      or (p_value #>> '{}') !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$')
$$;

-- A JSON integer (Paddle sends quantities and frequencies as numbers), or absent/null.
create function public.paddle_is_bad_integer(p_value jsonb) returns boolean
language sql
immutable
as $$
  select p_value is not null and p_value <> 'null'::jsonb
    and (jsonb_typeof(p_value) <> 'number' or (p_value #>> '{}') !~ '^-?\d{1,9}$')
$$;

-- {interval, frequency} (billing_cycle, trial_period), or absent/null.
create function public.paddle_is_bad_cycle(p_value jsonb) returns boolean
language sql
immutable
as $$
  select p_value is not null and p_value <> 'null'::jsonb
    and (jsonb_typeof(p_value) <> 'object'
      or (p_value ->> 'interval') is null
      or (p_value ->> 'interval') not in ('day', 'week', 'month', 'year')
      or jsonb_typeof(p_value -> 'frequency') is distinct from 'number'
      or public.paddle_is_bad_integer(p_value -> 'frequency'))
$$;

-- Raises 22023 naming the function, the entity's position and the problem (never a value).
create function public.paddle_raise_malformed(p_function text, p_problem text) returns void
language plpgsql
set search_path = ''
as $$
begin
  if p_problem is not null then
    raise exception using errcode = '22023', message = format('%s: %s', p_function, p_problem);
  end if;
end;
$$;

-- Every version comparison goes through this one expression (nulls lowest; the event id in C
-- order so the tie-break does not depend on the database's collation).
create function public.paddle_is_newer(
  p_new_updated_at timestamptz, p_new_occurred_at timestamptz, p_new_event_id text,
  p_old_updated_at timestamptz, p_old_occurred_at timestamptz, p_old_event_id text
) returns boolean
language sql
immutable
as $$
  select (coalesce(p_new_updated_at, '-infinity'), coalesce(p_new_occurred_at, '-infinity'),
          coalesce(p_new_event_id, '') collate "C")
       > (coalesce(p_old_updated_at, '-infinity'), coalesce(p_old_occurred_at, '-infinity'),
          coalesce(p_old_event_id, '') collate "C")
$$;

-- The first question about every state of a page, asked before anything else: could it win
-- against the stored row (p_stored: is there one)? Only states that could are validated and
-- written, so an unchanged page costs one join (docs/mirror.md, "Validation"). A state whose
-- updated_at is malformed could: it goes on to validation, which rejects it.
create function public.paddle_may_be_newer(
  p_stored boolean, p_new_updated_text text, p_new_occurred_at timestamptz, p_new_event_id text,
  p_old_updated_at timestamptz, p_old_occurred_at timestamptz, p_old_event_id text
) returns boolean
language sql
stable
as $$
  select not p_stored
    or case
      when p_new_updated_text !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$' then true
      else public.paddle_is_newer(
        coalesce(p_new_updated_text::timestamptz, p_new_occurred_at), p_new_occurred_at, p_new_event_id,
        p_old_updated_at, p_old_occurred_at, p_old_event_id)
    end
$$;

-- The states of a page at the given positions (1-based, as `with ordinality` counts them). One
-- pass over the array rather than `p_entities -> i` per position: a page read from a table is a
-- TOAST pointer, and each `->` on it would decompress the whole page again. `offset 0` keeps a
-- caller's filter (the validation) from being pushed below the join onto every state of the page.
create function public.paddle_page_states(p_entities jsonb, p_ords integer[])
returns table (ord integer, v jsonb)
language sql
immutable
as $$
  select x.ord::integer, x.v
  from jsonb_array_elements(p_entities) with ordinality x (v, ord)
  join unnest(p_ords) o (ord) on o.ord = x.ord
  offset 0
$$;

-- One state per id, the newest by updated_at (undated last): a page may hold an id twice. Only
-- after validation (the cast would fail on a malformed time).
create function public.paddle_newest_per_id(p_entities jsonb, p_ords integer[])
returns table (ord integer, v jsonb)
language sql
stable
as $$
  select distinct on (x.v ->> 'id') x.ord, x.v
  from public.paddle_page_states(p_entities, p_ords) x
  order by x.v ->> 'id', (x.v ->> 'updated_at')::timestamptz desc nulls last
$$;

------------------------------------------------------------------------------------------------
-- Per-entity apply functions. Each takes a jsonb array of Paddle entities (API / webhook JSON,
-- snake_case) and the event context: (event_id, occurred_at) for a webhook, (null, null) for an
-- API snapshot or an object embedded in a subscription. Internal: executable by their owner
-- only, i.e. through apply_paddle_event / apply_paddle_entities.
------------------------------------------------------------------------------------------------

-- Returns {"received": n, "written": n}.
create function public.apply_paddle_products(
  p_entities jsonb, p_event_id text, p_occurred_at timestamptz
) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_fresh integer[];
  v_written integer;
begin
  -- Only states that could win go further (docs/mirror.md, "Validation"). Read without locking:
  -- versions only grow, so a state skipped here could never win, and the upsert re-checks under
  -- the row lock. An unchanged page ends here, having locked and dirtied nothing.
  select coalesce(array_agg(x.ord::integer order by x.ord), '{}')
  into v_fresh
  from jsonb_array_elements(p_entities) with ordinality x (v, ord)
  left join public.products t on t.product_id = x.v ->> 'id'
  where public.paddle_may_be_newer(t.product_id is not null, x.v ->> 'updated_at', p_occurred_at, p_event_id,
                                   t.updated_at, t.last_event_occurred_at, t.last_event_id);
  if cardinality(v_fresh) = 0 then
    return jsonb_build_object('received', jsonb_array_length(p_entities), 'written', 0);
  end if;

  perform public.paddle_raise_malformed('apply_paddle_products', (
    select format('product %s: %s', e.ord, e.problem)
    from (
      select x.ord, case
        when jsonb_typeof(x.v) is distinct from 'object' then 'not an object'
        when (x.v ->> 'id') is null or (x.v ->> 'id') !~ '^pro_[a-z0-9]{26}$' then 'id missing or malformed'
        when (x.v ->> 'status') not in ('active', 'archived') then 'status unknown'
        when public.paddle_is_bad_timestamp(x.v -> 'created_at')
          or public.paddle_is_bad_timestamp(x.v -> 'updated_at') then 'timestamp malformed'
        when jsonb_typeof(coalesce(x.v -> 'custom_data', 'null')) not in ('object', 'null') then 'custom_data not an object'
      end as problem
      from public.paddle_page_states(p_entities, v_fresh) x
    ) e
    where e.problem is not null
    order by e.ord
    limit 1
  ));

  with incoming as (
    select n.v, (n.v ->> 'updated_at')::timestamptz as updated_at
    from public.paddle_newest_per_id(p_entities, v_fresh) n
  ), written as (
    insert into public.products as t (
      product_id, name, description, type, tax_category, image_url, status, custom_data, import_meta,
      created_at, updated_at, last_event_occurred_at, last_event_id
    )
    select i.v ->> 'id', i.v ->> 'name', i.v ->> 'description', i.v ->> 'type', i.v ->> 'tax_category',
           i.v ->> 'image_url', i.v ->> 'status', nullif(i.v -> 'custom_data', 'null'),
           nullif(i.v -> 'import_meta', 'null'), (i.v ->> 'created_at')::timestamptz,
           coalesce(i.updated_at, p_occurred_at), p_occurred_at, p_event_id
    from incoming i
    on conflict (product_id) do update
    set name = excluded.name,
        description = excluded.description,
        type = excluded.type,
        tax_category = excluded.tax_category,
        image_url = excluded.image_url,
        status = excluded.status,
        custom_data = excluded.custom_data,
        import_meta = excluded.import_meta,
        created_at = coalesce(excluded.created_at, t.created_at),
        updated_at = excluded.updated_at,
        last_event_occurred_at = excluded.last_event_occurred_at,
        last_event_id = excluded.last_event_id
    where public.paddle_is_newer(excluded.updated_at, excluded.last_event_occurred_at, excluded.last_event_id,
                                 t.updated_at, t.last_event_occurred_at, t.last_event_id)
    returning 1
  )
  select count(*) into v_written from written;

  return jsonb_build_object('received', jsonb_array_length(p_entities), 'written', v_written);
end;
$$;

-- Returns {"received": n, "written": n}.
create function public.apply_paddle_prices(
  p_entities jsonb, p_event_id text, p_occurred_at timestamptz
) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_fresh integer[];
  v_written integer;
begin
  -- Only states that could win go further (docs/mirror.md, "Validation"). Read without locking:
  -- versions only grow, so a state skipped here could never win, and the upsert re-checks under
  -- the row lock. An unchanged page ends here, having locked and dirtied nothing.
  select coalesce(array_agg(x.ord::integer order by x.ord), '{}')
  into v_fresh
  from jsonb_array_elements(p_entities) with ordinality x (v, ord)
  left join public.prices t on t.price_id = x.v ->> 'id'
  where public.paddle_may_be_newer(t.price_id is not null, x.v ->> 'updated_at', p_occurred_at, p_event_id,
                                   t.updated_at, t.last_event_occurred_at, t.last_event_id);
  if cardinality(v_fresh) = 0 then
    return jsonb_build_object('received', jsonb_array_length(p_entities), 'written', 0);
  end if;

  perform public.paddle_raise_malformed('apply_paddle_prices', (
    select format('price %s: %s', e.ord, e.problem)
    from (
      select x.ord, case
        when jsonb_typeof(x.v) is distinct from 'object' then 'not an object'
        when (x.v ->> 'id') is null or (x.v ->> 'id') !~ '^pri_[a-z0-9]{26}$' then 'id missing or malformed'
        when (x.v ->> 'product_id') is null or (x.v ->> 'product_id') !~ '^pro_[a-z0-9]{26}$'
          then 'product_id missing or malformed'
        when (x.v ->> 'status') not in ('active', 'archived') then 'status unknown'
        when public.paddle_is_bad_timestamp(x.v -> 'created_at')
          or public.paddle_is_bad_timestamp(x.v -> 'updated_at') then 'timestamp malformed'
        when jsonb_typeof(coalesce(x.v -> 'unit_price', 'null')) not in ('object', 'null')
          or (jsonb_typeof(x.v -> 'unit_price') = 'object'
            and (jsonb_typeof(x.v -> 'unit_price' -> 'amount') is distinct from 'string'
              or (x.v -> 'unit_price' ->> 'amount') !~ '^-?\d+(\.\d+)?$')) then 'unit_price malformed'
        when public.paddle_is_bad_cycle(x.v -> 'billing_cycle') then 'billing_cycle malformed'
        when public.paddle_is_bad_cycle(x.v -> 'trial_period') then 'trial_period malformed'
        when jsonb_typeof(coalesce(x.v -> 'quantity', 'null')) not in ('object', 'null')
          or public.paddle_is_bad_integer(x.v -> 'quantity' -> 'minimum')
          or public.paddle_is_bad_integer(x.v -> 'quantity' -> 'maximum') then 'quantity malformed'
        when jsonb_typeof(coalesce(x.v -> 'custom_data', 'null')) not in ('object', 'null') then 'custom_data not an object'
      end as problem
      from public.paddle_page_states(p_entities, v_fresh) x
    ) e
    where e.problem is not null
    order by e.ord
    limit 1
  ));

  -- Lossless: a price that outruns its product gets a stub product its own state fills in.
  insert into public.products (product_id)
  select distinct x.v ->> 'product_id' from public.paddle_page_states(p_entities, v_fresh) x
  order by 1
  on conflict (product_id) do nothing;

  with incoming as (
    select n.v, (n.v ->> 'updated_at')::timestamptz as updated_at
    from public.paddle_newest_per_id(p_entities, v_fresh) n
  ), written as (
    insert into public.prices as t (
      price_id, product_id, name, description, type, tax_mode, unit_price_amount, unit_price_currency,
      billing_cycle_interval, billing_cycle_frequency, trial_period_interval, trial_period_frequency,
      quantity_minimum, quantity_maximum, status, custom_data, import_meta,
      created_at, updated_at, last_event_occurred_at, last_event_id
    )
    select i.v ->> 'id', i.v ->> 'product_id', i.v ->> 'name', i.v ->> 'description', i.v ->> 'type',
           i.v ->> 'tax_mode', (i.v -> 'unit_price' ->> 'amount')::numeric,
           i.v -> 'unit_price' ->> 'currency_code',
           i.v -> 'billing_cycle' ->> 'interval', (i.v -> 'billing_cycle' ->> 'frequency')::integer,
           i.v -> 'trial_period' ->> 'interval', (i.v -> 'trial_period' ->> 'frequency')::integer,
           (i.v -> 'quantity' ->> 'minimum')::integer, (i.v -> 'quantity' ->> 'maximum')::integer,
           i.v ->> 'status', nullif(i.v -> 'custom_data', 'null'), nullif(i.v -> 'import_meta', 'null'),
           (i.v ->> 'created_at')::timestamptz, coalesce(i.updated_at, p_occurred_at),
           p_occurred_at, p_event_id
    from incoming i
    on conflict (price_id) do update
    set product_id = excluded.product_id,
        name = excluded.name,
        description = excluded.description,
        type = excluded.type,
        tax_mode = excluded.tax_mode,
        unit_price_amount = excluded.unit_price_amount,
        unit_price_currency = excluded.unit_price_currency,
        billing_cycle_interval = excluded.billing_cycle_interval,
        billing_cycle_frequency = excluded.billing_cycle_frequency,
        trial_period_interval = excluded.trial_period_interval,
        trial_period_frequency = excluded.trial_period_frequency,
        quantity_minimum = excluded.quantity_minimum,
        quantity_maximum = excluded.quantity_maximum,
        status = excluded.status,
        custom_data = excluded.custom_data,
        import_meta = excluded.import_meta,
        created_at = coalesce(excluded.created_at, t.created_at),
        updated_at = excluded.updated_at,
        last_event_occurred_at = excluded.last_event_occurred_at,
        last_event_id = excluded.last_event_id
    where public.paddle_is_newer(excluded.updated_at, excluded.last_event_occurred_at, excluded.last_event_id,
                                 t.updated_at, t.last_event_occurred_at, t.last_event_id)
    returning 1
  )
  select count(*) into v_written from written;

  return jsonb_build_object('received', jsonb_array_length(p_entities), 'written', v_written);
end;
$$;

-- Returns {"received": n, "written": n, "linked": n}. A written customer that has no user yet is
-- offered to paddle_link_customer (the one linking rule: the single user with that confirmed
-- email), whether the state came from an event or a snapshot; imported customers link the same way.
create function public.apply_paddle_customers(
  p_entities jsonb, p_event_id text, p_occurred_at timestamptz
) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_fresh integer[];
  v_candidates jsonb;
  v_written text[];
  v_customer_id text;
  v_linked integer := 0;
begin
  -- Only states that could win go further (docs/mirror.md, "Validation"). Read without locking:
  -- versions only grow, so a state skipped here could never win, and the upsert re-checks under
  -- the row lock. An unchanged page ends here, having locked and dirtied nothing.
  select coalesce(array_agg(x.ord::integer order by x.ord), '{}')
  into v_fresh
  from jsonb_array_elements(p_entities) with ordinality x (v, ord)
  left join public.customers c on c.customer_id = x.v ->> 'id'
  where public.paddle_may_be_newer(c.customer_id is not null, x.v ->> 'updated_at', p_occurred_at, p_event_id,
                                   c.paddle_updated_at, c.last_event_occurred_at, c.last_event_id);
  if cardinality(v_fresh) = 0 then
    return jsonb_build_object('received', jsonb_array_length(p_entities), 'written', 0, 'linked', 0);
  end if;

  perform public.paddle_raise_malformed('apply_paddle_customers', (
    select format('customer %s: %s', e.ord, e.problem)
    from (
      select x.ord, case
        when jsonb_typeof(x.v) is distinct from 'object' then 'not an object'
        when (x.v ->> 'id') is null or (x.v ->> 'id') !~ '^ctm_[a-z0-9]{26}$' then 'id missing or malformed'
        when jsonb_typeof(coalesce(x.v -> 'email', 'null')) not in ('string', 'null') then 'email not a string'
        when (x.v ->> 'status') not in ('active', 'archived') then 'status unknown'
        when public.paddle_is_bad_timestamp(x.v -> 'created_at')
          or public.paddle_is_bad_timestamp(x.v -> 'updated_at') then 'timestamp malformed'
        when jsonb_typeof(coalesce(x.v -> 'custom_data', 'null')) not in ('object', 'null') then 'custom_data not an object'
      end as problem
      from public.paddle_page_states(p_entities, v_fresh) x
    ) e
    where e.problem is not null
    order by e.ord
    limit 1
  ));

  select coalesce(jsonb_agg(n.v), '[]')
  into v_candidates
  from public.paddle_newest_per_id(p_entities, v_fresh) n;

  -- The lock paddle_link_customer_on_email_confirmed takes for an email, taken before any row
  -- lock (see paddle_link_customer), in one global order so two concurrent pages cannot deadlock.
  perform pg_advisory_xact_lock(k.key)
  from (
    select distinct hashtextextended(lower(coalesce(x.v ->> 'email', '')), 0) as key
    from jsonb_array_elements(v_candidates) x (v)
  ) k
  order by k.key;

  with incoming as (
    select x.v, (x.v ->> 'updated_at')::timestamptz as updated_at
    from jsonb_array_elements(v_candidates) x (v)
  ), written as (
    insert into public.customers as c (
      customer_id, email, name, status, custom_data, import_meta, created_at,
      paddle_updated_at, last_event_occurred_at, last_event_id
    )
    select i.v ->> 'id', i.v ->> 'email', i.v ->> 'name', i.v ->> 'status',
           nullif(i.v -> 'custom_data', 'null'), nullif(i.v -> 'import_meta', 'null'),
           -- '-infinity' marks "Paddle gave none" (older payloads), resolved below.
           coalesce((i.v ->> 'created_at')::timestamptz, '-infinity'),
           coalesce(i.updated_at, p_occurred_at), p_occurred_at, p_event_id
    from incoming i
    on conflict (customer_id) do update
    set email = excluded.email,
        name = excluded.name,
        status = excluded.status,
        custom_data = excluded.custom_data,
        import_meta = excluded.import_meta,
        -- Paddle's created_at when this state carries one; a stub's local time otherwise stays.
        created_at = case when excluded.created_at = '-infinity' then c.created_at else excluded.created_at end,
        paddle_updated_at = excluded.paddle_updated_at,
        last_event_occurred_at = excluded.last_event_occurred_at,
        last_event_id = excluded.last_event_id
    where public.paddle_is_newer(excluded.paddle_updated_at, excluded.last_event_occurred_at, excluded.last_event_id,
                                 c.paddle_updated_at, c.last_event_occurred_at, c.last_event_id)
    -- The email only ever changes here, and a link, once made, is never moved: user_id is not set.
    returning c.customer_id
  )
  select array_agg(w.customer_id order by w.customer_id) into v_written from written w;
  update public.customers c set created_at = now()
  where c.customer_id = any(v_written) and c.created_at = '-infinity';

  -- Only written rows: then the row's email is this state's, whose lock we hold. The join with
  -- auth.users is a prefilter in one pass; paddle_link_customer decides, exactly as before.
  for v_customer_id in
    select c.customer_id
    from public.customers c
    where c.customer_id = any(v_written)
      and c.user_id is null
      and exists (
        select 1 from auth.users u
        where lower(u.email) = lower(c.email) and u.email_confirmed_at is not null
      )
    order by c.customer_id
  loop
    if public.paddle_link_customer(v_customer_id) then
      v_linked := v_linked + 1;
    end if;
  end loop;

  return jsonb_build_object(
    'received', jsonb_array_length(p_entities),
    'written', coalesce(cardinality(v_written), 0),
    'linked', v_linked
  );
end;
$$;

-- Returns {"received", "written", "items_written", "catalog_written", "customers_stubbed"}.
-- For every subscription whose state wins: the row, and exactly that state's items (items it no
-- longer lists are deleted). The embedded price and product objects go into the catalog by
-- their own updated_at whether or not the subscription's state wins (an object without
-- updated_at is only inserted when missing). A subscription that outruns its customer gets a
-- stub customer (no email, so nobody can be linked to it) that the customer's state fills in.
create function public.apply_paddle_subscriptions(
  p_entities jsonb, p_event_id text, p_occurred_at timestamptz
) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_fresh integer[];
  v_chosen integer[];
  v_won text[];
  v_catalog integer := 0;
  v_stubbed integer;
  v_deleted integer;
  v_upserted integer;
  v_result jsonb;
begin
  -- Only states that could win are validated and written (docs/mirror.md, "Validation"). Read
  -- without locking: versions only grow, so a state skipped here could never win, and the upsert
  -- re-checks under the row lock.
  select coalesce(array_agg(x.ord::integer order by x.ord), '{}')
  into v_fresh
  from jsonb_array_elements(p_entities) with ordinality x (v, ord)
  left join public.subscriptions s on s.subscription_id = x.v ->> 'id'
  where public.paddle_may_be_newer(s.subscription_id is not null, x.v ->> 'updated_at', p_occurred_at, p_event_id,
                                   s.paddle_updated_at, s.last_event_occurred_at, s.last_event_id);

  perform public.paddle_raise_malformed('apply_paddle_subscriptions', (
    select format('subscription %s: %s', e.ord, e.problem)
    from (
      select x.ord, case
        when jsonb_typeof(x.v) is distinct from 'object' then 'not an object'
        when (x.v ->> 'id') is null or (x.v ->> 'id') !~ '^sub_[a-z0-9]{26}$' then 'id missing or malformed'
        when (x.v ->> 'customer_id') is null or (x.v ->> 'customer_id') !~ '^ctm_[a-z0-9]{26}$'
          then 'customer_id missing or malformed'
        when (x.v ->> 'status') is null
          or (x.v ->> 'status') not in ('active', 'trialing', 'past_due', 'paused', 'canceled') then 'status unknown'
        when (x.v ->> 'collection_mode') not in ('automatic', 'manual') then 'collection_mode unknown'
        when public.paddle_is_bad_cycle(x.v -> 'billing_cycle') then 'billing_cycle malformed'
        when public.paddle_is_bad_timestamp(x.v -> 'created_at')
          or public.paddle_is_bad_timestamp(x.v -> 'updated_at')
          or public.paddle_is_bad_timestamp(x.v -> 'started_at')
          or public.paddle_is_bad_timestamp(x.v -> 'first_billed_at')
          or public.paddle_is_bad_timestamp(x.v -> 'next_billed_at')
          or public.paddle_is_bad_timestamp(x.v -> 'paused_at')
          or public.paddle_is_bad_timestamp(x.v -> 'canceled_at') then 'timestamp malformed'
        when jsonb_typeof(coalesce(x.v -> 'current_billing_period', 'null')) not in ('object', 'null')
          or public.paddle_is_bad_timestamp(x.v -> 'current_billing_period' -> 'starts_at')
          or public.paddle_is_bad_timestamp(x.v -> 'current_billing_period' -> 'ends_at')
          then 'current_billing_period malformed'
        when jsonb_typeof(coalesce(x.v -> 'scheduled_change', 'null')) not in ('object', 'null')
          or (jsonb_typeof(x.v -> 'scheduled_change') = 'object' and (
            (x.v -> 'scheduled_change' ->> 'action') is null
            or (x.v -> 'scheduled_change' ->> 'action') not in ('cancel', 'pause', 'resume')
            or (x.v -> 'scheduled_change' ->> 'effective_at') is null
            or public.paddle_is_bad_timestamp(x.v -> 'scheduled_change' -> 'effective_at')
            or public.paddle_is_bad_timestamp(x.v -> 'scheduled_change' -> 'resume_at')))
          then 'scheduled_change malformed'
        when jsonb_typeof(coalesce(x.v -> 'custom_data', 'null')) not in ('object', 'null') then 'custom_data not an object'
        when jsonb_typeof(x.v -> 'items') is distinct from 'array' then 'items not an array'
        when exists (
          select 1 from jsonb_array_elements(x.v -> 'items') it (v)
          where jsonb_typeof(it.v) is distinct from 'object'
            or jsonb_typeof(it.v -> 'price') is distinct from 'object'
            or (it.v -> 'price' ->> 'id') is null
            or (it.v -> 'price' ->> 'id') !~ '^pri_[a-z0-9]{26}$'
            or coalesce(it.v -> 'price' ->> 'product_id', it.v -> 'product' ->> 'id') is null
            or jsonb_typeof(coalesce(it.v -> 'product', 'null')) not in ('object', 'null')
            or (it.v ->> 'status') not in ('active', 'inactive', 'trialing')
            or jsonb_typeof(coalesce(it.v -> 'recurring', 'null')) not in ('boolean', 'null')
            or public.paddle_is_bad_integer(it.v -> 'quantity')
            or public.paddle_is_bad_timestamp(it.v -> 'created_at')
            or public.paddle_is_bad_timestamp(it.v -> 'updated_at')
            or public.paddle_is_bad_timestamp(it.v -> 'previously_billed_at')
            or public.paddle_is_bad_timestamp(it.v -> 'next_billed_at')
            or jsonb_typeof(coalesce(it.v -> 'trial_dates', 'null')) not in ('object', 'null')
            or public.paddle_is_bad_timestamp(it.v -> 'trial_dates' -> 'starts_at')
            or public.paddle_is_bad_timestamp(it.v -> 'trial_dates' -> 'ends_at')
        ) then 'item malformed'
      end as problem
      from public.paddle_page_states(p_entities, v_fresh) x
    ) e
    where e.problem is not null
    order by e.ord
    limit 1
  ));

  -- The catalog first, so a page can show names whatever order the events come in, from every
  -- state of the page, newer or not. Embedded objects carry no event context: they are versioned
  -- by their own updated_at alone. A page of 200 subscriptions embeds the same few prices
  -- hundreds of times: one copy per (id, updated_at) first, then the newest copy per id (a copy
  -- whose updated_at is malformed sorts last and is validated when alone). apply_paddle_products
  -- and _prices then drop the copies not newer than the stored rows before anything else.
  select coalesce(jsonb_agg(c.v), '[]')
  into v_result
  from (
    select distinct on (d.id) d.v
    from (
      select distinct on (it.v -> 'product' ->> 'id', it.v -> 'product' ->> 'updated_at')
             it.v -> 'product' ->> 'id' as id, it.v -> 'product' ->> 'updated_at' as updated_text,
             it.v -> 'product' as v
      from jsonb_array_elements(p_entities) x (v),
           jsonb_array_elements(case when jsonb_typeof(x.v -> 'items') = 'array' then x.v -> 'items' end) it (v)
      where jsonb_typeof(it.v -> 'product') = 'object'
    ) d
    order by d.id,
      case when d.updated_text ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$'
        then d.updated_text::timestamptz end desc nulls last
  ) c;
  if jsonb_array_length(v_result) > 0 then
    v_catalog := v_catalog + (public.apply_paddle_products(v_result, null, null) ->> 'written')::integer;
  end if;
  -- Older payloads may name the product on the item only.
  select coalesce(jsonb_agg(c.price || jsonb_build_object(
           'product_id', coalesce(c.price ->> 'product_id', c.product ->> 'id'))), '[]')
  into v_result
  from (
    select distinct on (d.id) d.price, d.product
    from (
      select distinct on (it.v -> 'price' ->> 'id', it.v -> 'price' ->> 'updated_at')
             it.v -> 'price' ->> 'id' as id, it.v -> 'price' ->> 'updated_at' as updated_text,
             it.v -> 'price' as price, it.v -> 'product' as product
      from jsonb_array_elements(p_entities) x (v),
           jsonb_array_elements(case when jsonb_typeof(x.v -> 'items') = 'array' then x.v -> 'items' end) it (v)
      where jsonb_typeof(it.v -> 'price') = 'object'
    ) d
    order by d.id,
      case when d.updated_text ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$'
        then d.updated_text::timestamptz end desc nulls last
  ) c;
  if jsonb_array_length(v_result) > 0 then
    v_catalog := v_catalog + (public.apply_paddle_prices(v_result, null, null) ->> 'written')::integer;
  end if;

  if cardinality(v_fresh) = 0 then
    return jsonb_build_object('received', jsonb_array_length(p_entities), 'written', 0,
                              'items_written', 0, 'catalog_written', v_catalog, 'customers_stubbed', 0);
  end if;

  -- One state per subscription, the newest of the page.
  select array_agg(n.ord order by n.ord)
  into v_chosen
  from public.paddle_newest_per_id(p_entities, v_fresh) n;

  with stubs as (
    insert into public.customers (customer_id)
    select distinct x.v ->> 'customer_id'
    from public.paddle_page_states(p_entities, v_chosen) x
    order by 1
    on conflict (customer_id) do nothing
    returning 1
  )
  select count(*) into v_stubbed from stubs;

  with incoming as (
    select x.v, (x.v ->> 'updated_at')::timestamptz as updated_at,
           nullif(x.v -> 'scheduled_change', 'null') as change,
           nullif(x.v -> 'current_billing_period', 'null') as period,
           -- The first recurring item (items without the flag, from older payloads, count as
           -- recurring); the first item when none is.
           (select it.v
            from jsonb_array_elements(x.v -> 'items') with ordinality it (v, ord)
            order by coalesce((it.v ->> 'recurring')::boolean, true) desc, it.ord
            limit 1) as plan
    from public.paddle_page_states(p_entities, v_chosen) x
  ), written as (
    insert into public.subscriptions as s (
      subscription_id, customer_id, status, price_id, product_id,
      scheduled_change_action, scheduled_change_effective_at, scheduled_change_resume_at,
      currency_code, collection_mode, billing_cycle_interval, billing_cycle_frequency,
      current_period_starts_at, current_period_ends_at, next_billed_at, started_at, first_billed_at,
      paused_at, canceled_at, custom_data, import_meta, created_at,
      paddle_updated_at, last_event_occurred_at, last_event_id
    )
    select i.v ->> 'id', i.v ->> 'customer_id', i.v ->> 'status',
           i.plan -> 'price' ->> 'id',
           coalesce(i.plan -> 'price' ->> 'product_id', i.plan -> 'product' ->> 'id'),
           i.change ->> 'action', (i.change ->> 'effective_at')::timestamptz,
           (i.change ->> 'resume_at')::timestamptz,
           i.v ->> 'currency_code', i.v ->> 'collection_mode',
           i.v -> 'billing_cycle' ->> 'interval', (i.v -> 'billing_cycle' ->> 'frequency')::integer,
           (i.period ->> 'starts_at')::timestamptz, (i.period ->> 'ends_at')::timestamptz,
           (i.v ->> 'next_billed_at')::timestamptz, (i.v ->> 'started_at')::timestamptz,
           (i.v ->> 'first_billed_at')::timestamptz, (i.v ->> 'paused_at')::timestamptz,
           (i.v ->> 'canceled_at')::timestamptz,
           nullif(i.v -> 'custom_data', 'null'), nullif(i.v -> 'import_meta', 'null'),
           -- '-infinity' marks "Paddle gave none" (older payloads), resolved below.
           coalesce((i.v ->> 'created_at')::timestamptz, '-infinity'),
           coalesce(i.updated_at, p_occurred_at), p_occurred_at, p_event_id
    from incoming i
    on conflict (subscription_id) do update
    set customer_id = excluded.customer_id,
        status = excluded.status,
        price_id = excluded.price_id,
        product_id = excluded.product_id,
        scheduled_change_action = excluded.scheduled_change_action,
        scheduled_change_effective_at = excluded.scheduled_change_effective_at,
        scheduled_change_resume_at = excluded.scheduled_change_resume_at,
        currency_code = excluded.currency_code,
        collection_mode = excluded.collection_mode,
        billing_cycle_interval = excluded.billing_cycle_interval,
        billing_cycle_frequency = excluded.billing_cycle_frequency,
        current_period_starts_at = excluded.current_period_starts_at,
        current_period_ends_at = excluded.current_period_ends_at,
        next_billed_at = excluded.next_billed_at,
        started_at = excluded.started_at,
        first_billed_at = excluded.first_billed_at,
        paused_at = excluded.paused_at,
        canceled_at = excluded.canceled_at,
        custom_data = excluded.custom_data,
        import_meta = excluded.import_meta,
        created_at = case when excluded.created_at = '-infinity' then s.created_at else excluded.created_at end,
        paddle_updated_at = excluded.paddle_updated_at,
        last_event_occurred_at = excluded.last_event_occurred_at,
        last_event_id = excluded.last_event_id
    where public.paddle_is_newer(excluded.paddle_updated_at, excluded.last_event_occurred_at, excluded.last_event_id,
                                 s.paddle_updated_at, s.last_event_occurred_at, s.last_event_id)
    returning s.subscription_id
  )
  select coalesce(array_agg(w.subscription_id), '{}') into v_won from written w;
  update public.subscriptions s set created_at = now()
  where s.subscription_id = any(v_won) and s.created_at = '-infinity';

  -- Items of the winning states only: exactly what that state lists.
  with wanted as (
    select distinct on (x.v ->> 'id', it.v -> 'price' ->> 'id')
           x.v ->> 'id' as subscription_id, it.v -> 'price' ->> 'id' as price_id
    from public.paddle_page_states(p_entities, v_chosen) x
    join unnest(v_won) w (id) on w.id = x.v ->> 'id'
    cross join jsonb_array_elements(x.v -> 'items') it (v)
  ), gone as (
    delete from public.subscription_items t
    where t.subscription_id = any(v_won)
      and not exists (
        select 1 from wanted w where w.subscription_id = t.subscription_id and w.price_id = t.price_id
      )
    returning 1
  )
  select count(*) into v_deleted from gone;

  with wanted as (
    select distinct on (x.v ->> 'id', it.v -> 'price' ->> 'id')
           x.v ->> 'id' as subscription_id, it.v as item
    from public.paddle_page_states(p_entities, v_chosen) x
    join unnest(v_won) w (id) on w.id = x.v ->> 'id'
    cross join jsonb_array_elements(x.v -> 'items') with ordinality it (v, ord)
    order by x.v ->> 'id', it.v -> 'price' ->> 'id', it.ord
  ), upserted as (
    insert into public.subscription_items as t (
      subscription_id, price_id, product_id, quantity, status, recurring, created_at, updated_at,
      previously_billed_at, next_billed_at, trial_starts_at, trial_ends_at
    )
    select w.subscription_id, w.item -> 'price' ->> 'id',
           coalesce(w.item -> 'price' ->> 'product_id', w.item -> 'product' ->> 'id'),
           coalesce((w.item ->> 'quantity')::integer, 1), w.item ->> 'status',
           (w.item ->> 'recurring')::boolean,
           (w.item ->> 'created_at')::timestamptz, (w.item ->> 'updated_at')::timestamptz,
           (w.item ->> 'previously_billed_at')::timestamptz, (w.item ->> 'next_billed_at')::timestamptz,
           (w.item -> 'trial_dates' ->> 'starts_at')::timestamptz,
           (w.item -> 'trial_dates' ->> 'ends_at')::timestamptz
    from wanted w
    on conflict (subscription_id, price_id) do update
    set product_id = excluded.product_id,
        quantity = excluded.quantity,
        status = excluded.status,
        recurring = excluded.recurring,
        created_at = excluded.created_at,
        updated_at = excluded.updated_at,
        previously_billed_at = excluded.previously_billed_at,
        next_billed_at = excluded.next_billed_at,
        trial_starts_at = excluded.trial_starts_at,
        trial_ends_at = excluded.trial_ends_at
    -- The subscription's state won, but most of its items are usually as they were.
    where (t.product_id, t.quantity, t.status, t.recurring, t.created_at, t.updated_at,
           t.previously_billed_at, t.next_billed_at, t.trial_starts_at, t.trial_ends_at)
      is distinct from
          (excluded.product_id, excluded.quantity, excluded.status, excluded.recurring,
           excluded.created_at, excluded.updated_at, excluded.previously_billed_at,
           excluded.next_billed_at, excluded.trial_starts_at, excluded.trial_ends_at)
    returning 1
  )
  select count(*) into v_upserted from upserted;

  return jsonb_build_object(
    'received', jsonb_array_length(p_entities),
    'written', cardinality(v_won),
    'items_written', v_deleted + v_upserted,
    'catalog_written', v_catalog,
    'customers_stubbed', v_stubbed
  );
end;
$$;

revoke all on function public.paddle_is_bad_timestamp(jsonb), public.paddle_is_bad_integer(jsonb),
  public.paddle_is_bad_cycle(jsonb), public.paddle_raise_malformed(text, text),
  public.paddle_is_newer(timestamptz, timestamptz, text, timestamptz, timestamptz, text),
  public.paddle_newest_per_id(jsonb, integer[]), public.paddle_page_states(jsonb, integer[]),
  public.paddle_may_be_newer(boolean, text, timestamptz, text, timestamptz, timestamptz, text),
  public.apply_paddle_products(jsonb, text, timestamptz),
  public.apply_paddle_prices(jsonb, text, timestamptz),
  public.apply_paddle_customers(jsonb, text, timestamptz),
  public.apply_paddle_subscriptions(jsonb, text, timestamptz)
  from public, anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- The two entry points
------------------------------------------------------------------------------------------------

-- Applies a page of API entities (a JSON array, exactly as Paddle's list endpoints return them)
-- as snapshots, in one transaction. Returns
--   {"entity_type", "received", "written", "unchanged", "linked",
--    "items_written", "catalog_written", "customers_stubbed"}
-- where written counts rows of that entity type whose state won and unchanged = received - written.
-- Raises 22023 on an unknown entity type or a malformed entity: the whole call then rolls back.
-- Executable by its owner only: role C's security definer sync function calls it.
create function public.apply_paddle_entities(p_entity_type text, p_entities jsonb) returns jsonb
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

-- Applies one Paddle event (the notification's JSON: event_id, event_type, occurred_at, data)
-- atomically, idempotent per event_id through the paddle_events ledger. Returns
--   {outcome: 'applied' | 'stale' | 'duplicate', event_id, event_type,
--    entity: 'customer' | 'subscription' | 'product' | 'price', entity_id,
--    and for customers and subscriptions: customer_id, customer_linked, linked_now,
--    customer_stub_created, custom_data_user_id ('absent' | 'matches' | 'differs' | 'unverified',
--    subscriptions only, else null); for subscriptions also items_written, catalog_written;
--    for a duplicate: first_outcome}
-- Raises 22023 on an event it cannot apply; nothing is stored then.
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

-- create or replace keeps the landed grants; restated so this file reads complete.
revoke all on function public.apply_paddle_event(jsonb) from public, anon, authenticated;
grant execute on function public.apply_paddle_event(jsonb) to service_role;

------------------------------------------------------------------------------------------------
-- For an app's own policies
------------------------------------------------------------------------------------------------

-- True when the calling user owns a subscription Paddle is still collecting for (active,
-- trialing, or past_due: Paddle is retrying the payment and the subscription has not ended),
-- optionally holding an item of the given product. Security definer so a policy on any table
-- can use it without the caller's RLS on three more tables; the explicit auth.uid() filter is
-- what confines it to the caller. Wrap it as `(select public.has_active_subscription(...))` in
-- a policy so Postgres evaluates it once per statement, not once per row.
create function public.has_active_subscription(p_product_id text default null) returns boolean
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
      and (
        p_product_id is null
        or exists (
          select 1 from public.subscription_items i
          where i.subscription_id = s.subscription_id and i.product_id = p_product_id
        )
      )
  )
$$;

revoke all on function public.has_active_subscription(text) from public, anon, authenticated, service_role;
grant execute on function public.has_active_subscription(text) to authenticated;
