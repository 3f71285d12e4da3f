-- Paddle webhook sync: one SQL function applies one Paddle event atomically, and a
-- trigger on auth.users links a customer once its owner's email is confirmed.
--
-- Why in SQL: the three guarantees (idempotent per event_id, newest-wins per row,
-- lossless when a subscription arrives before its customer) and the linking rule
-- need row locks and one transaction; a PostgREST RPC call is exactly one
-- transaction, so the function either stores the whole event or nothing.
-- The linking rule and the threats it defeats: docs/webhook-linking.md.

-- Newest-wins bookkeeping. Null means no Paddle event has been applied to the row
-- yet (seeded rows, or a customer stub created by an early subscription event), so
-- any event wins against it. The event id breaks ties between two events with the
-- same occurred_at, so every arrival order converges on the same row.
alter table public.customers
  add column last_event_occurred_at timestamptz,
  add column last_event_id text;

alter table public.subscriptions
  add column last_event_occurred_at timestamptz,
  add column last_event_id text;

comment on column public.customers.last_event_occurred_at is
  'occurred_at of the newest Paddle event applied to this row; null: none yet (seed or stub).';
comment on column public.subscriptions.last_event_occurred_at is
  'occurred_at of the newest Paddle event applied to this row; null: none yet (seed).';

-- Linking looks up unlinked customers by email when a user confirms theirs.
create index customers_unlinked_email_idx
  on public.customers (lower(email))
  where user_id is null;

-- Ledger of every stored event, for idempotency: Paddle redelivers with the same
-- event_id. A row here means the event's effects are committed. Rows older than
-- Paddle's retry window (3 days live) can be pruned: newest-wins alone already
-- turns a very late redelivery into a no-op.
create table public.paddle_events (
  event_id text primary key
    constraint paddle_events_event_id_shape check (event_id ~ '^evt_[a-z0-9]{26}$'),
  event_type text not null,
  occurred_at timestamptz not null,
  entity_id text not null,
  outcome text not null constraint paddle_events_outcome_known check (outcome in ('applied', 'stale')),
  received_at timestamptz not null default now()
);

comment on table public.paddle_events is
  'Paddle events stored by apply_paddle_event (idempotency ledger); service role reads, nobody else.';

alter table public.paddle_events enable row level security;
-- Supabase's default privileges hand new tables to the API roles; take them back.
revoke all on table public.paddle_events from public, anon, authenticated, service_role;
grant select on table public.paddle_events to service_role;

-- Links one unlinked customer to the single auth user whose confirmed email equals
-- the customer's email, case-insensitively. Internal: called by the two security
-- definer functions below, executable by nobody else. Returns whether it linked.
-- Callers first take an advisory lock keyed on the lower-cased email: it
-- serialises a customer event with a concurrent confirmation of the same email,
-- which could otherwise each miss the other's uncommitted row. Taking it before
-- any row lock, in both paths, keeps the two from deadlocking.
create function public.paddle_link_customer(p_customer_id text) returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_email text;
  v_user_ids uuid[];
  v_rows integer;
begin
  select c.email into v_email
  from public.customers c
  where c.customer_id = p_customer_id and c.user_id is null
  for update;
  if not found or v_email is null or btrim(v_email) = '' then
    return false;
  end if;

  -- Only a confirmed email proves the user controls the inbox, which is what
  -- Paddle itself trusts for its customer portal. Anonymous users have no email.
  select array_agg(u.id) into v_user_ids
  from auth.users u
  where lower(u.email) = lower(v_email)
    and u.email_confirmed_at is not null
    and u.deleted_at is null
    and u.is_anonymous is false;
  if coalesce(cardinality(v_user_ids), 0) <> 1 then
    return false;
  end if;

  -- One customer per user (customers.user_id is unique): a user already linked
  -- keeps their customer; we never move a link.
  if exists (select 1 from public.customers c where c.user_id = v_user_ids[1]) then
    return false;
  end if;

  begin
    update public.customers c
    set user_id = v_user_ids[1]
    where c.customer_id = p_customer_id and c.user_id is null;
    get diagnostics v_rows = row_count;
  exception when unique_violation then
    -- A concurrent transaction linked this user to another customer first.
    return false;
  end;
  return v_rows = 1;
end;
$$;

revoke all on function public.paddle_link_customer(text) from public, anon, authenticated, service_role;

-- Applies one Paddle event (the notification's JSON: event_id, event_type,
-- occurred_at, data) atomically. Returns a jsonb summary:
--   {outcome: 'applied' | 'stale' | 'duplicate', event_id, event_type,
--    entity: 'customer' | 'subscription', entity_id, customer_id,
--    customer_linked: boolean, linked_now: boolean, customer_stub_created: boolean,
--    custom_data_user_id: 'absent' | 'matches' | 'differs' | 'unverified' | null}
-- Raises (SQLSTATE 22023) on an event it cannot apply; nothing is stored then.
create function public.apply_paddle_event(event jsonb) returns jsonb
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
  v_rows integer;
  v_applied boolean;
  v_stub_created boolean := false;
  v_linked_now boolean := false;
  v_user_id uuid;
  v_claimed_user text;
  v_custom_data_user_id text;
  v_item jsonb;
  v_change jsonb;
begin
  if v_event_id is null or v_event_id !~ '^evt_[a-z0-9]{26}$' then
    raise exception using errcode = '22023', message = 'apply_paddle_event: event_id missing or malformed';
  end if;
  -- A timestamp without an offset would be read in the session's time zone.
  if v_occurred_text is null
    or v_occurred_text !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$' then
    raise exception using errcode = '22023', message = 'apply_paddle_event: occurred_at missing or malformed';
  end if;
  v_occurred_at := v_occurred_text::timestamptz;
  if jsonb_typeof(v_data) is distinct from 'object' then
    raise exception using errcode = '22023', message = 'apply_paddle_event: data is not an object';
  end if;

  if v_event_type in ('customer.created', 'customer.updated') then
    v_entity := 'customer';
  elsif v_event_type in (
    'subscription.created', 'subscription.updated', 'subscription.activated', 'subscription.trialing',
    'subscription.past_due', 'subscription.paused', 'subscription.resumed', 'subscription.canceled'
  ) then
    v_entity := 'subscription';
  else
    raise exception using errcode = '22023',
      message = format('apply_paddle_event: event type %L is not mirrored', v_event_type);
  end if;
  v_entity_id := v_data ->> 'id';
  if v_entity_id is null then
    raise exception using errcode = '22023', message = 'apply_paddle_event: data.id missing';
  end if;

  -- Claim the event id first: a concurrent redelivery blocks here until this
  -- transaction ends, then sees the row and reports a duplicate.
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

  if v_entity = 'customer' then
    v_customer_id := v_entity_id;
    perform pg_advisory_xact_lock(hashtextextended(lower(coalesce(v_data ->> 'email', '')), 0));
    insert into public.customers as c (
      customer_id, email, created_at, last_event_occurred_at, last_event_id
    ) values (
      v_customer_id, v_data ->> 'email', coalesce((v_data ->> 'created_at')::timestamptz, now()),
      v_occurred_at, v_event_id
    )
    on conflict (customer_id) do update
    set email = excluded.email,
        created_at = coalesce((v_data ->> 'created_at')::timestamptz, c.created_at),
        last_event_occurred_at = excluded.last_event_occurred_at,
        last_event_id = excluded.last_event_id
    where (coalesce(c.last_event_occurred_at, '-infinity'), coalesce(c.last_event_id, ''))
      < (excluded.last_event_occurred_at, excluded.last_event_id);
    -- The email only ever changes here, and a link, once made, is never moved:
    -- an email change in Paddle leaves user_id alone.
  else
    v_customer_id := v_data ->> 'customer_id';
    if v_customer_id is null then
      raise exception using errcode = '22023', message = 'apply_paddle_event: data.customer_id missing';
    end if;
    -- Lossless: a subscription that outruns its customer gets a stub customer
    -- (no email, so nobody can be linked to it); the customer event fills it in.
    insert into public.customers (customer_id) values (v_customer_id)
    on conflict (customer_id) do nothing;
    v_stub_created := found;

    -- The table holds one price per subscription: the first item's, which is
    -- the plan for the single-item subscriptions this product sells.
    v_item := v_data -> 'items' -> 0;
    v_change := nullif(v_data -> 'scheduled_change', 'null'::jsonb);
    insert into public.subscriptions as s (
      subscription_id, customer_id, status, price_id, product_id,
      scheduled_change_action, scheduled_change_effective_at, scheduled_change_resume_at,
      created_at, last_event_occurred_at, last_event_id
    ) values (
      v_entity_id, v_customer_id, v_data ->> 'status',
      v_item -> 'price' ->> 'id',
      coalesce(v_item -> 'price' ->> 'product_id', v_item -> 'product' ->> 'id'),
      v_change ->> 'action', (v_change ->> 'effective_at')::timestamptz, (v_change ->> 'resume_at')::timestamptz,
      coalesce((v_data ->> 'created_at')::timestamptz, now()), v_occurred_at, v_event_id
    )
    on conflict (subscription_id) do update
    set customer_id = excluded.customer_id,
        status = excluded.status,
        price_id = excluded.price_id,
        product_id = excluded.product_id,
        scheduled_change_action = excluded.scheduled_change_action,
        scheduled_change_effective_at = excluded.scheduled_change_effective_at,
        scheduled_change_resume_at = excluded.scheduled_change_resume_at,
        created_at = coalesce((v_data ->> 'created_at')::timestamptz, s.created_at),
        last_event_occurred_at = excluded.last_event_occurred_at,
        last_event_id = excluded.last_event_id
    where (coalesce(s.last_event_occurred_at, '-infinity'), coalesce(s.last_event_id, ''))
      < (excluded.last_event_occurred_at, excluded.last_event_id);
  end if;
  get diagnostics v_rows = row_count;
  v_applied := v_rows > 0;

  if not v_applied then
    update public.paddle_events e set outcome = 'stale' where e.event_id = v_event_id;
  end if;

  -- Linking follows an applied customer event only: then the row's email is this
  -- event's, whose lock we hold. A stale event's email is history; the newer
  -- event that superseded it already tried, and the auth.users trigger covers
  -- users who confirm later.
  select c.user_id into v_user_id from public.customers c where c.customer_id = v_customer_id;
  if v_entity = 'customer' and v_applied and v_user_id is null then
    v_linked_now := public.paddle_link_customer(v_customer_id);
    if v_linked_now then
      select c.user_id into v_user_id from public.customers c where c.customer_id = v_customer_id;
    end if;
  end if;

  -- custom_data.user_id comes from checkout, i.e. from the browser: never used to
  -- link, only reported so a mismatch (a takeover attempt, or a shared email) shows in logs.
  if v_entity = 'subscription' then
    v_claimed_user := v_data -> 'custom_data' ->> 'user_id';
    v_custom_data_user_id := case
      when v_claimed_user is null then 'absent'
      when v_user_id is null then 'unverified'
      when lower(v_claimed_user) = v_user_id::text then 'matches'
      else 'differs'
    end;
  end if;

  return jsonb_build_object(
    'outcome', case when v_applied then 'applied' else 'stale' end,
    'event_id', v_event_id,
    'event_type', v_event_type,
    'entity', v_entity,
    'entity_id', v_entity_id,
    'customer_id', v_customer_id,
    'customer_linked', v_user_id is not null,
    'linked_now', v_linked_now,
    'customer_stub_created', v_stub_created,
    'custom_data_user_id', v_custom_data_user_id
  );
end;
$$;

revoke all on function public.apply_paddle_event(jsonb) from public, anon, authenticated;
grant execute on function public.apply_paddle_event(jsonb) to service_role;

-- Links the newest unlinked customer carrying a user's email when that email
-- becomes confirmed (sign-up confirmation, or a confirmed email change), so a user
-- who confirms after their customer row exists is linked without another webhook.
-- Runs as the function owner because Supabase Auth's own role cannot write public.
create function public.paddle_link_customer_on_email_confirmed() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_customer_id text;
begin
  if new.email is null or new.email_confirmed_at is null or new.is_anonymous then
    return null;
  end if;
  if tg_op = 'UPDATE' and old.email_confirmed_at is not null
    and old.email is not distinct from new.email then
    return null;
  end if;

  -- Linking is a convenience; it must never make a sign-up or a confirmation fail.
  begin
    -- The same lock apply_paddle_event takes for this email, taken before any
    -- customer row lock (see paddle_link_customer).
    perform pg_advisory_xact_lock(hashtextextended(lower(new.email), 0));
    if exists (select 1 from public.customers c where c.user_id = new.id) then
      return null;
    end if;
    for v_customer_id in
      select c.customer_id
      from public.customers c
      where c.user_id is null and lower(c.email) = lower(new.email)
      order by c.created_at desc, c.customer_id
    loop
      exit when public.paddle_link_customer(v_customer_id);
    end loop;
  exception when others then
    raise warning 'paddle_link_customer_on_email_confirmed: % (SQLSTATE %)', sqlerrm, sqlstate;
  end;
  return null;
end;
$$;

revoke all on function public.paddle_link_customer_on_email_confirmed()
  from public, anon, authenticated, service_role;

create trigger paddle_link_customer_on_email_confirmed
  after insert or update of email, email_confirmed_at on auth.users
  for each row execute function public.paddle_link_customer_on_email_confirmed();
