-- Prices keep what Paddle says about them beyond the base price (issue 19): their country
-- overrides (`unit_price_overrides`, exactly as Paddle sends them: [{"country_codes": ["DE", ...],
-- "unit_price": {"amount": "2800", "currency_code": "EUR"}}]) and their `tax_mode` (already a
-- column, now also kept when the API sync writes a price). Both arrive through the one write path:
-- apply_paddle_prices, called by the webhook dispatcher, the sync and subscription payloads.
--
-- Replaces public.apply_paddle_prices (20261125000200): the same function plus the overrides and
-- a tax_mode that an older payload without one does not erase.

alter table public.prices add column unit_price_overrides jsonb
  constraint prices_unit_price_overrides_array
  check (unit_price_overrides is null or jsonb_typeof(unit_price_overrides) = 'array');

comment on column public.prices.unit_price_overrides is
  'Paddle''s country overrides, verbatim: [{"country_codes": [...], "unit_price": {"amount", "currency_code"}}]; null until a state carrying them arrives.';

-- True when a value is present and is not Paddle's overrides shape: an array of objects, each
-- with a non-empty array of two-letter country codes and a unit price (amount a string of digits,
-- a three-letter currency). Null (absent) is not bad. No `set search_path`, like the other
-- validation helpers (20261125000200): only pg_catalog is used, and it stays inlinable.
create function public.paddle_is_bad_price_overrides(p_value jsonb) returns boolean
language sql
immutable
as $$
  select p_value is not null and jsonb_typeof(p_value) <> 'null' and (
    jsonb_typeof(p_value) <> 'array'
    or exists (
      select 1 from jsonb_array_elements(p_value) o (v)
      where jsonb_typeof(o.v) is distinct from 'object'
        or jsonb_typeof(o.v -> 'country_codes') is distinct from 'array'
        or jsonb_array_length(o.v -> 'country_codes') = 0
        or exists (
          select 1 from jsonb_array_elements(o.v -> 'country_codes') c (v)
          where jsonb_typeof(c.v) is distinct from 'string' or (c.v #>> '{}') !~ '^[A-Z]{2}$'
        )
        or jsonb_typeof(o.v -> 'unit_price') is distinct from 'object'
        or jsonb_typeof(o.v -> 'unit_price' -> 'amount') is distinct from 'string'
        or (o.v -> 'unit_price' ->> 'amount') !~ '^\d+$'
        or jsonb_typeof(o.v -> 'unit_price' -> 'currency_code') is distinct from 'string'
        or (o.v -> 'unit_price' ->> 'currency_code') !~ '^[A-Z]{3}$'
    )
  )
$$;

revoke all on function public.paddle_is_bad_price_overrides(jsonb) from public, anon, authenticated, service_role;

-- Returns {"received": n, "written": n}.
create or replace function public.apply_paddle_prices(
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
        when jsonb_typeof(coalesce(x.v -> 'tax_mode', 'null')) not in ('string', 'null') then 'tax_mode not a string'
        when public.paddle_is_bad_price_overrides(x.v -> 'unit_price_overrides') then 'unit_price_overrides malformed'
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
      unit_price_overrides, billing_cycle_interval, billing_cycle_frequency, trial_period_interval, trial_period_frequency,
      quantity_minimum, quantity_maximum, status, custom_data, import_meta,
      created_at, updated_at, last_event_occurred_at, last_event_id
    )
    select i.v ->> 'id', i.v ->> 'product_id', i.v ->> 'name', i.v ->> 'description', i.v ->> 'type',
           i.v ->> 'tax_mode', (i.v -> 'unit_price' ->> 'amount')::numeric,
           i.v -> 'unit_price' ->> 'currency_code', nullif(i.v -> 'unit_price_overrides', 'null'),
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
        -- Absent (an older payload, a price embedded without them) is not "none": Paddle sends
        -- `[]` for no overrides and always names a tax mode, so only a state that says replaces.
        tax_mode = coalesce(excluded.tax_mode, t.tax_mode),
        unit_price_amount = excluded.unit_price_amount,
        unit_price_currency = excluded.unit_price_currency,
        unit_price_overrides = coalesce(excluded.unit_price_overrides, t.unit_price_overrides),
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
