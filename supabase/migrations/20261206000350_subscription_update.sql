-- The subscription-update function's SQL (issue 17): one round trip, as the caller, that decides
-- every refusal before Paddle is asked anything (subscription_update_prepare), and the one
-- service-role write that stores Paddle's answer through the mirror's one write path
-- (subscription_update_record). README, "Changing plan".

-- The function's one database round trip (POST /rest/v1/rpc/subscription_update_prepare with the
-- caller's own token). Security invoker: every read runs under the caller's RLS, behind the
-- explicit auth.uid() filter, and what is for sale is read from public.catalog_prices, the one
-- list checkout and the page read too. It writes nothing but the mint slot, and takes that only
-- when the change may go to Paddle. p_items is the whole new list, [{"priceId", "quantity"}]
-- (the function has checked the shape). Returns one of
--   {"outcome": "subscription_not_found"}          not the caller's, or unknown: the same answer
--   {"outcome": "subscription_not_changeable", "status"}
--   {"outcome": "renewal_too_close", "retry_after_seconds"}
--   {"outcome": "nothing_to_keep"}
--   {"outcome": "price_not_found" | "invalid_items" | "invalid_quantity" | "no_change"}
--   {"outcome": "ready", "user_id", "customer_id", "currency_code",
--    "interval_changes": bool, "current_total", "new_total" (minor units, as text),
--    "scheduled_change": "cancel" | "pause" | "resume" | null,
--    "mint": {"taken": bool, "retry_after_seconds": int | null}}
create function public.subscription_update_prepare(
  p_subscription_id text,
  p_action text,
  p_items jsonb default null,
  p_mint_limit integer default 10
) returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_user_id uuid := (select auth.uid());
  v_sub public.subscriptions%rowtype;
  v_wanted integer;
  v_known integer;
  v_plans integer;
  v_cycles integer;
  v_interval text;
  v_frequency integer;
  v_bad_addons integer;
  v_bad_quantity integer;
  v_bad_currency integer;
  v_same boolean;
  v_current numeric;
  v_new numeric;
  v_retry integer;
begin
  if v_user_id is null then
    raise exception using errcode = '42501', message = 'subscription_update_prepare: no signed-in user';
  end if;
  if p_action not in ('preview', 'apply', 'keep') then
    raise exception using errcode = '22023', message = 'subscription_update_prepare: unknown action';
  end if;

  select s.* into v_sub
  from public.subscriptions s
  join public.customers c on c.customer_id = s.customer_id
  where s.subscription_id = p_subscription_id
    and c.user_id = v_user_id;
  if not found then
    return jsonb_build_object('outcome', 'subscription_not_found');
  end if;

  -- Paddle refuses every change to a past_due or canceled subscription, and item changes to a
  -- paused one or (adding or removing items) a trialing one: refused here first, without a call.
  if v_sub.status in ('past_due', 'paused', 'canceled')
    or (v_sub.status = 'trialing' and p_action <> 'keep') then
    return jsonb_build_object('outcome', 'subscription_not_changeable', 'status', v_sub.status);
  end if;

  -- Paddle locks a subscription 30 minutes before it renews; the lock lifts once it has renewed.
  if v_sub.next_billed_at is not null and v_sub.next_billed_at - now() < interval '30 minutes' then
    return jsonb_build_object(
      'outcome', 'renewal_too_close',
      'retry_after_seconds',
      greatest(60, ceil(extract(epoch from v_sub.next_billed_at - now()))::integer + 60)
    );
  end if;

  if p_action = 'keep' then
    if v_sub.scheduled_change_action is distinct from 'cancel' then
      return jsonb_build_object('outcome', 'nothing_to_keep');
    end if;
  else
    if jsonb_typeof(p_items) is distinct from 'array' or jsonb_array_length(p_items) = 0 then
      return jsonb_build_object('outcome', 'invalid_items');
    end if;

    with wanted as (
      select i ->> 'priceId' as price_id, (i ->> 'quantity')::integer as quantity
      from jsonb_array_elements(p_items) i
    )
    select
      count(*),
      count(cp.price_id),
      count(*) filter (where cp.role = 'plan'),
      count(distinct (cp.billing_cycle_interval, cp.billing_cycle_frequency)),
      count(*) filter (where w.quantity < cp.quantity_minimum or w.quantity > cp.quantity_maximum),
      count(*) filter (where cp.unit_price_currency is distinct from v_sub.currency_code),
      count(distinct w.price_id) = count(*)
    into v_wanted, v_known, v_plans, v_cycles, v_bad_quantity, v_bad_currency, v_same
    from wanted w
    left join public.catalog_prices cp on cp.price_id = w.price_id;

    if v_known < v_wanted then
      return jsonb_build_object('outcome', 'price_not_found');
    end if;
    -- v_same is "no duplicate price" here; it is reused for "no change" below.
    if v_plans <> 1 or v_cycles <> 1 or not v_same or v_bad_currency > 0 then
      return jsonb_build_object('outcome', 'invalid_items');
    end if;

    -- Every add-on must be one the plan suggests (catalog_prices lists only add-ons for sale).
    select count(*) into v_bad_addons
    from jsonb_array_elements(p_items) i
    join public.catalog_prices a on a.price_id = i ->> 'priceId' and a.role = 'addon'
    where not exists (
      select 1
      from jsonb_array_elements(p_items) j
      join public.catalog_prices p on p.price_id = j ->> 'priceId' and p.role = 'plan'
      where a.product_id = any (p.suggested_addons)
    );
    if v_bad_addons > 0 then
      return jsonb_build_object('outcome', 'invalid_items');
    end if;
    if v_bad_quantity > 0 then
      return jsonb_build_object('outcome', 'invalid_quantity');
    end if;

    -- Today's items, exactly: the same prices with the same quantities is no change at all.
    select
      not exists (
        select w.price_id, w.quantity from (
          select i ->> 'priceId' as price_id, (i ->> 'quantity')::integer as quantity
          from jsonb_array_elements(p_items) i
        ) w
        except
        select si.price_id, si.quantity from public.subscription_items si
        where si.subscription_id = v_sub.subscription_id
      )
      and (select count(*) from public.subscription_items si
           where si.subscription_id = v_sub.subscription_id) = jsonb_array_length(p_items)
    into v_same;
    if v_same then
      return jsonb_build_object('outcome', 'no_change');
    end if;

    select cp.billing_cycle_interval, cp.billing_cycle_frequency,
           sum(cp.unit_price_amount * (i ->> 'quantity')::integer) over ()
    into v_interval, v_frequency, v_new
    from jsonb_array_elements(p_items) i
    join public.catalog_prices cp on cp.price_id = i ->> 'priceId'
    limit 1;

    -- Today's recurring total from the mirror's prices (an item's price may no longer be for
    -- sale, so public.prices, not catalog_prices).
    select coalesce(sum(p.unit_price_amount * si.quantity), 0) into v_current
    from public.subscription_items si
    join public.prices p on p.price_id = si.price_id
    where si.subscription_id = v_sub.subscription_id
      and si.recurring is not false;
  end if;

  v_retry := billing_private.take_mint_slot(p_mint_limit);
  return jsonb_build_object(
    'outcome', 'ready',
    'user_id', v_user_id,
    'customer_id', v_sub.customer_id,
    'currency_code', v_sub.currency_code,
    'interval_changes', p_action <> 'keep' and (
      v_interval is distinct from v_sub.billing_cycle_interval
      or v_frequency is distinct from v_sub.billing_cycle_frequency),
    'current_total', coalesce(v_current, 0)::text,
    'new_total', coalesce(v_new, 0)::text,
    'scheduled_change', v_sub.scheduled_change_action,
    'mint', jsonb_build_object('taken', v_retry = 0, 'retry_after_seconds', nullif(v_retry, 0))
  );
end;
$$;

revoke all on function public.subscription_update_prepare(text, text, jsonb, integer)
  from public, anon, authenticated, service_role;
grant execute on function public.subscription_update_prepare(text, text, jsonb, integer) to authenticated;

-- Stores the subscription Paddle answered to an applied change, so the page shows it at once.
-- Through apply_paddle_entities, the write path the webhook and the sync use: newest-wins on
-- Paddle's updated_at, so the subscription.updated webhook that follows (the same state) or an
-- older event arriving late changes nothing. Service role only, and even so only for a
-- subscription the mirror already holds for this user's customer: the function never names a
-- subscription or customer the caller does not own. Returns {"outcome": "recorded" |
-- "not_owned", "written": n}.
create function public.subscription_update_record(p_user_id uuid, p_subscription jsonb) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  if p_user_id is null or jsonb_typeof(p_subscription) is distinct from 'object' then
    raise exception using errcode = '22023',
      message = 'subscription_update_record: user id and subscription object required';
  end if;
  if not exists (
    select 1
    from public.subscriptions s
    join public.customers c on c.customer_id = s.customer_id
    where s.subscription_id = p_subscription ->> 'id'
      and s.customer_id = p_subscription ->> 'customer_id'
      and c.user_id = p_user_id
  ) then
    return jsonb_build_object('outcome', 'not_owned', 'written', 0);
  end if;
  v_result := public.apply_paddle_entities('subscription', jsonb_build_array(p_subscription));
  return jsonb_build_object('outcome', 'recorded', 'written', (v_result ->> 'written')::integer);
end;
$$;

revoke all on function public.subscription_update_record(uuid, jsonb)
  from public, anon, authenticated, service_role;
grant execute on function public.subscription_update_record(uuid, jsonb) to service_role;
