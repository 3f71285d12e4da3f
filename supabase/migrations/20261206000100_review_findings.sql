-- The security review's findings (issue 20, §5) that live in the database. Each section says
-- what was wrong and why the fix has the shape it has. Functions replaced here (create or
-- replace, same signature, grants kept): billing_private.refuse_estimated_counts,
-- public.paddle_sync_apply_page, public.apply_paddle_customers, public.apply_paddle_subscriptions,
-- public.checkout_prepare, public.checkout_link_customer.

-- ---------------------------------------------------------------------------------------------
-- 1. Estimated counts, on every path
-- ---------------------------------------------------------------------------------------------

-- The first guard matched the request path against the private tables, but a path is not the
-- only way to reach them: `prices?select=price_id,subscription_items!inner(subscriptions!inner(status))`
-- with `Prefer: count=planned` is answered from the planner's estimate of a join through
-- subscriptions, before RLS, and RPCs returning rows are estimated too. PostgREST does not hand
-- the query string to the pre-request function, so which tables a request embeds cannot be known
-- here: anon and authenticated get no planned or estimated count anywhere. Nothing this project
-- serves needs one (the catalog is a few rows; count=exact counts under RLS and stays).
create or replace function billing_private.refuse_estimated_counts() returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if current_user not in ('anon', 'authenticated') then
    return;
  end if;
  if lower(coalesce(nullif(current_setting('request.headers', true), '')::json ->> 'prefer', ''))
    !~ 'count\s*=\s*(planned|estimated)' then
    return;
  end if;
  raise sqlstate 'PGRST' using
    message = json_build_object(
      'code', 'count_estimate_refused',
      'message', 'Prefer: count=planned and count=estimated are not available to API users.',
      'details', null,
      'hint', 'Use Prefer: count=exact, which counts only the rows you can see.'
    )::text,
    detail = json_build_object('status', 400, 'headers', json_build_object())::text;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- 2. Sync locks in one order
-- ---------------------------------------------------------------------------------------------

-- paddle_sync_begin takes the state table in share row exclusive mode, then row locks (its
-- upsert); paddle_sync_apply_page took a row lock first (select ... for update), then its update
-- needed row exclusive on the table. A restart beginning while another slice applied a page
-- waited on the row, the page waited on the table: 40P01, answered 503. The page now takes the
-- table lock begin takes, first, so both go table, then rows. Pages of concurrent slices queue
-- behind one another, which costs nothing: only one of them can hold the current cursor anyway.
create or replace function public.paddle_sync_apply_page(
  p_run_id uuid,
  p_entity_type text,
  p_after text,
  p_entities jsonb,
  p_next_cursor text,
  p_has_more boolean,
  p_estimated_total integer
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_state public.paddle_sync_state;
  v_result jsonb;
  v_received integer;
begin
  if jsonb_typeof(p_entities) is distinct from 'array' then
    raise exception using errcode = '22023', message = 'paddle_sync_apply_page: p_entities is not an array';
  end if;
  -- Before any row lock, as paddle_sync_begin: one order, no deadlock.
  lock table public.paddle_sync_state in share row exclusive mode;
  select * into v_state from public.paddle_sync_state s
  where s.entity_type = p_entity_type
  for update;
  if not found then
    raise exception using errcode = '22023',
      message = format('paddle_sync_apply_page: no sync state for %L; begin a run first', p_entity_type);
  end if;
  if v_state.run_id <> p_run_id or v_state.done or v_state.cursor is distinct from p_after then
    return jsonb_build_object('applied', false, 'entity_type', p_entity_type,
                              'run', public.paddle_sync_status());
  end if;

  v_received := jsonb_array_length(p_entities);
  if v_received > 0 then
    v_result := public.apply_paddle_entities(p_entity_type, p_entities);
  else
    v_result := jsonb_build_object('entity_type', p_entity_type, 'received', 0, 'written', 0,
                                   'unchanged', 0, 'linked', 0);
  end if;

  update public.paddle_sync_state s
  set cursor = coalesce(p_next_cursor, s.cursor),
      done = not p_has_more,
      pages = s.pages + 1,
      records = s.records + v_received,
      written = s.written + coalesce((v_result ->> 'written')::integer, 0),
      items_written = s.items_written + coalesce((v_result ->> 'items_written')::integer, 0),
      catalog_written = s.catalog_written + coalesce((v_result ->> 'catalog_written')::integer, 0),
      linked = s.linked + coalesce((v_result ->> 'linked')::integer, 0),
      estimated_total = coalesce(p_estimated_total, s.estimated_total),
      finished_at = case when p_has_more then null else now() end,
      last_page_at = now()
  where s.entity_type = p_entity_type;

  return jsonb_build_object('applied', true, 'entity_type', p_entity_type, 'result', v_result,
                            'run', public.paddle_sync_status());
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- 3. Applying costs time linear in the entity's size
-- ---------------------------------------------------------------------------------------------

-- jsonb_agg copies each value token by token into the aggregate's state, and on PostgreSQL 15
-- that is quadratic in the number of keys of an object: a customer whose custom_data held
-- 20,000 keys (629 KB) spent seconds in `jsonb_agg(n.v)` alone, past the webhook's 3.5 s deadline,
-- on every redelivery and every sync run. to_jsonb(array_agg(...)) builds the same array from the
-- values whole (2,500 / 5,000 / 10,000 / 20,000 keys: jsonb_agg 49 / 159 / 614 / 2,431 ms,
-- to_jsonb(array_agg) 2 / 2 / 3 / 6 ms). The subscription apply aggregated the embedded products
-- and prices the same way, so a product or price with such data was as slow inside a
-- subscription: both functions are restated with only that changed.
create or replace function public.apply_paddle_customers(
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

  select coalesce(to_jsonb(array_agg(n.v)), '[]')
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

create or replace function public.apply_paddle_subscriptions(
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
  select coalesce(to_jsonb(array_agg(c.v)), '[]')
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
  select coalesce(to_jsonb(array_agg(c.price || jsonb_build_object(
           'product_id', coalesce(c.price ->> 'product_id', c.product ->> 'id')))), '[]')
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

-- ---------------------------------------------------------------------------------------------
-- 4. A customer_conflict refusal writes nothing of ours
-- ---------------------------------------------------------------------------------------------

-- The conflict used to be found only after Paddle had been asked for a customer: a first
-- purchase by a user whose confirmed email another user's customer holds, or another confirmed
-- user shares, created a Paddle customer, and checkout_link_customer wrote it into the mirror
-- before finding it could not link it. Now checkout_prepare asks the linking rule's questions
-- first and refuses with no Paddle call, and checkout_link_customer undoes its own write when
-- the link is refused (a race between the two).

-- The question below looks up linked customers by email; unlinked ones have their own index
-- (customers_unlinked_email_idx), so a first purchase reads an index, not the table.
create index customers_linked_email_idx
  on public.customers (lower(email))
  where user_id is not null;

-- Would the linking rule refuse the caller's confirmed email? True when a customer holding that
-- email is linked to another user, or more than one confirmed user holds it (paddle_link_customer
-- then links nobody). Security definer to read auth.users and other users' customers; it answers
-- for the caller's own email only and says nothing the 409 it leads to did not already say.
create function billing_private.caller_email_conflict() returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  with me as (
    select billing_private.caller_confirmed_email() as email
  )
  select coalesce((
    select exists (
        select 1 from public.customers c
        where lower(c.email) = lower(me.email)
          and c.user_id is not null
          and c.user_id <> (select auth.uid())
      )
      or (
        select count(*) from auth.users u
        where lower(u.email) = lower(me.email)
          and u.email_confirmed_at is not null
          and u.deleted_at is null
          and u.is_anonymous is false
      ) > 1
    from me
    where me.email is not null
  ), false)
$$;

revoke all on function billing_private.caller_email_conflict() from public, anon, authenticated, service_role;
-- Reached only through public.checkout_prepare (security invoker: it runs as the caller).
grant execute on function billing_private.caller_email_conflict() to authenticated;

-- As before, plus {"outcome": "customer_conflict"} (before the mint slot, like every refusal).
create or replace function public.checkout_prepare(
  p_price_id text,
  p_quantity integer,
  p_allowed_price_ids text[] default null,
  p_mint_limit integer default 10
) returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_user_id uuid := (select auth.uid());
  v_minimum integer;
  v_maximum integer;
  v_customer_id text;
  v_email text;
  v_retry integer;
begin
  if v_user_id is null then
    raise exception using errcode = '42501', message = 'checkout_prepare: no signed-in user';
  end if;

  -- For sale: an active recurring price (one-time prices make no subscription) of an active
  -- product, in the seller's list when there is one. Paddle's default bounds are 1..100.
  select coalesce(p.quantity_minimum, 1), coalesce(p.quantity_maximum, 100)
  into v_minimum, v_maximum
  from public.prices p
  join public.products pr on pr.product_id = p.product_id
  where p.price_id = p_price_id
    and p.status = 'active'
    and p.billing_cycle_interval is not null
    and pr.status = 'active'
    and (p_allowed_price_ids is null or p.price_id = any (p_allowed_price_ids));
  if not found then
    return jsonb_build_object('outcome', 'price_not_found');
  end if;
  if p_quantity is null or p_quantity < v_minimum or p_quantity > v_maximum then
    return jsonb_build_object('outcome', 'invalid_quantity', 'minimum', v_minimum, 'maximum', v_maximum);
  end if;

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
    if billing_private.caller_email_conflict() then
      return jsonb_build_object('outcome', 'customer_conflict');
    end if;
  end if;

  v_retry := billing_private.take_mint_slot(p_mint_limit);
  return jsonb_build_object(
    'outcome', 'ready',
    'user_id', v_user_id,
    'customer_id', v_customer_id,
    'email', v_email,
    'mint', jsonb_build_object('taken', v_retry = 0, 'retry_after_seconds', nullif(v_retry, 0))
  );
end;
$$;

-- As before, but a refused link leaves no trace: the customer's write rolls back with it (the
-- webhook for that customer still mirrors it, unlinked, as it mirrors every Paddle customer).
create or replace function public.checkout_link_customer(p_user_id uuid, p_customer jsonb) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_customer_id text := p_customer ->> 'id';
  v_linked text;
begin
  if p_user_id is null or jsonb_typeof(p_customer) is distinct from 'object' then
    raise exception using errcode = '22023', message = 'checkout_link_customer: user id and customer object required';
  end if;

  -- The lock apply_paddle_event and the auth.users trigger take for this email, before any row
  -- lock; apply_paddle_customers takes it again (advisory locks nest within a transaction).
  -- Outside the block below, so it is held until the transaction ends whatever the block does.
  perform pg_advisory_xact_lock(hashtextextended(lower(coalesce(p_customer ->> 'email', '')), 0));
  begin
    perform public.apply_paddle_entities('customer', jsonb_build_array(p_customer));

    select c.customer_id into v_linked from public.customers c where c.user_id = p_user_id;
    if v_linked is null then
      -- The apply links only a state it wrote; one the webhook stored first is still unlinked.
      perform public.paddle_link_customer(v_customer_id);
      select c.customer_id into v_linked from public.customers c where c.user_id = p_user_id;
    end if;

    if v_linked is null then
      -- Leaves the block through its handler, which rolls back everything the block wrote.
      raise exception using errcode = 'PBC09', message = 'checkout_link_customer: not linkable';
    end if;
  exception when sqlstate 'PBC09' then
    return jsonb_build_object('outcome', 'conflict');
  end;
  return jsonb_build_object('outcome', 'linked', 'customer_id', v_linked);
end;
$$;
