-- The checkout function's SQL (issue 10): one round trip that decides whether the caller may buy
-- (checkout_prepare, the caller's own token), and the service-role write that links the Paddle
-- customer checkout created or found (checkout_link_customer). Why each is built this way:
-- docs/security.md, "Checkout".

-- The caller's email as Supabase Auth records it, only when it proves something: confirmed, not
-- anonymous, not deleted. Security definer because authenticated cannot read auth.users; it
-- answers for auth.uid() only, so calling it directly tells a caller nothing but their own email.
-- Never the token's email claim: a token outlives an email change, and the claim is whatever the
-- token says.
create function billing_private.caller_confirmed_email() returns text
language sql
stable
security definer
set search_path = ''
as $$
  select u.email
  from auth.users u
  where u.id = (select auth.uid())
    and u.email is not null
    and btrim(u.email) <> ''
    and u.email_confirmed_at is not null
    and u.deleted_at is null
    and u.is_anonymous is false
$$;

revoke all on function billing_private.caller_confirmed_email() from public, anon, authenticated, service_role;
-- Reached only through public.checkout_prepare (security invoker: it runs as the caller).
grant execute on function billing_private.caller_confirmed_email() to authenticated;

-- The checkout function's one database round trip (POST /rest/v1/rpc/checkout_prepare with the
-- caller's own token). Security invoker: the reads run under the caller's RLS, behind the
-- explicit auth.uid() filter. Refusals are answered before the mint slot is taken, so a refusal
-- costs the caller nothing. Returns one of
--   {"outcome": "price_not_found"}
--   {"outcome": "invalid_quantity", "minimum": n, "maximum": n}
--   {"outcome": "already_subscribed"}
--   {"outcome": "email_not_confirmed"}
--   {"outcome": "ready", "user_id", "customer_id": "ctm_..." | null,
--    "email": <confirmed email, only when there is no customer yet> | null,
--    "mint": {"taken": bool, "retry_after_seconds": int | null}}
create function public.checkout_prepare(
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

revoke all on function public.checkout_prepare(text, integer, text[], integer) from public, anon, authenticated, service_role;
grant execute on function public.checkout_prepare(text, integer, text[], integer) to authenticated;

-- Writes the Paddle customer the checkout function created (or found by email) and links it to
-- the buyer, before the transaction exists, so the portal works as soon as the webhooks land.
-- Service role only: a user who could call it could name any ctm_ id. Even so it cannot link
-- a customer to a user who does not hold its email: the customer goes in through the one write
-- path (apply_paddle_entities, which links by the webhook's rule: the single confirmed user with
-- that email), under the webhook's advisory lock, and paddle_link_customer decides alone.
-- A link never moves: a buyer already linked (a webhook won the race) keeps their customer.
-- Returns {"outcome": "linked", "customer_id": <the buyer's customer>} or {"outcome": "conflict"}
-- (the customer belongs to someone else, or the email is not the buyer's alone).
create function public.checkout_link_customer(p_user_id uuid, p_customer jsonb) returns jsonb
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
  perform pg_advisory_xact_lock(hashtextextended(lower(coalesce(p_customer ->> 'email', '')), 0));
  perform public.apply_paddle_entities('customer', jsonb_build_array(p_customer));

  select c.customer_id into v_linked from public.customers c where c.user_id = p_user_id;
  if v_linked is null then
    -- The apply links only a state it wrote; one the webhook stored first is still unlinked.
    perform public.paddle_link_customer(v_customer_id);
    select c.customer_id into v_linked from public.customers c where c.user_id = p_user_id;
  end if;

  if v_linked is null then
    return jsonb_build_object('outcome', 'conflict');
  end if;
  return jsonb_build_object('outcome', 'linked', 'customer_id', v_linked);
end;
$$;

revoke all on function public.checkout_link_customer(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.checkout_link_customer(uuid, jsonb) to service_role;
