-- The checkout priced for the country the page showed (issue 19): checkout_prepare takes an
-- optional p_country (the function has checked it is a country Paddle sells to) and puts it in
-- the open checkout's items key, so the same items for another country cancel the open
-- transaction and get a new one, priced by Paddle for that country (an address there on the
-- caller's own customer). Replaces public.checkout_prepare of 20261206000300 (new signature);
-- everything else in it is unchanged.
drop function public.checkout_prepare(text, integer, jsonb, integer);

create function public.checkout_prepare(
  p_price_id text,
  p_quantity integer,
  p_addons jsonb default '[]',
  p_mint_limit integer default 10,
  p_country text default null
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
  if p_country is not null and p_country !~ '^[A-Z]{2}$' then
    raise exception using errcode = '22023', message = 'checkout_prepare: p_country must be a country code like DE';
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
  -- The same items priced for another country are other items: another transaction.
  if p_country is not null then
    v_items_key := v_items_key || '@' || p_country;
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

  -- Without a linked customer, the only thing we may give Paddle is an email Auth has confirmed,
  -- and only one the linking rule would link to the caller (20261206000100).
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
    'mint', jsonb_build_object('taken', v_retry = 0, 'retry_after_seconds', nullif(v_retry, 0)),
    'items', v_items,
    'items_key', v_items_key,
    'checkout', case when v_retry = 0 then billing_private.claim_checkout(v_items_key) end
  );
end;
$$;

revoke all on function public.checkout_prepare(text, integer, jsonb, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.checkout_prepare(text, integer, jsonb, integer, text) to authenticated;
