-- Abuse limits and the findings of the security review (issue 11):
--   1. a per-user limit on minting Paddle sessions, counted here so it holds across isolates;
--   2. Prefer: count=planned|estimated refused where the planner's estimate would leak totals;
--   4. linking a customer however Supabase Auth makes a user a confirmed, non-anonymous holder
--      of the email (an anonymous user who upgrades included);
--   5. paddle_events pruned without a scheduler.
-- Why each is built this way: docs/security.md.

-- Internal objects live in a schema the Data API does not expose (config.toml [api].schemas
-- lists public only), so no HTTP caller can reach them by name.
create schema billing_private;
-- PostgREST calls the pre-request function below as whatever role a request runs as (anon,
-- authenticated, service_role, or a project's own roles), so every role may look into the schema;
-- each object in it grants what it must to whom it must, and its table to nobody.
grant usage on schema billing_private to public;

-- ---------------------------------------------------------------------------------------------
-- 1. Mint limits
-- ---------------------------------------------------------------------------------------------

-- One row per user: the epoch seconds in the last minute at which they took mint slots, and
-- how many in each second. Trimmed to the window on every take, so a row never holds more than
-- 60 pairs, whatever the limit; deleted with the user.
create table billing_private.mint_slots (
  user_id uuid primary key references auth.users (id) on delete cascade,
  seconds bigint[] not null default '{}',
  counts integer[] not null default '{}',
  constraint mint_slots_pairs check (cardinality(seconds) = cardinality(counts))
);

comment on table billing_private.mint_slots is
  'Per-user mint slots (Paddle portal sessions, checkouts) taken in the last minute; take_mint_slot only.';

revoke all on table billing_private.mint_slots from public, anon, authenticated, service_role;

-- Takes one of the caller's mint slots if fewer than p_limit were taken in the last 60 seconds.
-- Returns 0 when a slot was taken (or p_limit <= 0: the limit is off), else the whole seconds
-- until one frees (at least 1). Always the caller's own counter: the user comes from the
-- verified JWT (auth.uid()), never from an argument, so calling it directly can only spend the
-- caller's own slots. The row lock (taken by the upsert) serialises concurrent takes by one
-- user; other users never wait on it. One-second granularity: a slot frees in the second that
-- starts 60 s after the second it was taken in.
create function billing_private.take_mint_slot(p_limit integer) returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user_id uuid := auth.uid();
  v_now bigint;
  v_seconds bigint[];
  v_counts integer[];
  v_total integer;
  v_excess integer;
  v_last integer;
begin
  if p_limit is null or p_limit <= 0 then
    return 0;
  end if;
  if v_user_id is null then
    raise exception using errcode = '42501', message = 'take_mint_slot: no signed-in user';
  end if;

  insert into billing_private.mint_slots as m (user_id) values (v_user_id)
  on conflict (user_id) do update set user_id = excluded.user_id
  returning m.seconds, m.counts into v_seconds, v_counts;
  -- Read the clock after the lock: a take that waited must not count from before it waited.
  v_now := floor(extract(epoch from clock_timestamp()))::bigint;

  select coalesce(array_agg(t.s order by t.s), '{}'), coalesce(array_agg(t.c order by t.s), '{}'),
         coalesce(sum(t.c), 0)
  into v_seconds, v_counts, v_total
  from unnest(v_seconds, v_counts) as t (s, c)
  where t.s > v_now - 60;

  if v_total >= p_limit then
    update billing_private.mint_slots m set seconds = v_seconds, counts = v_counts
    where m.user_id = v_user_id;
    -- The oldest slots free first; find the second in which enough of them have freed.
    v_excess := v_total - p_limit + 1;
    for i in 1 .. cardinality(v_seconds) loop
      v_excess := v_excess - v_counts[i];
      if v_excess <= 0 then
        return greatest(1, v_seconds[i] + 60 - v_now)::integer;
      end if;
    end loop;
    return 60;
  end if;

  v_last := cardinality(v_seconds);
  if v_last > 0 and v_seconds[v_last] >= v_now then
    v_counts[v_last] := v_counts[v_last] + 1;
  else
    v_seconds := v_seconds || v_now;
    v_counts := v_counts || 1;
  end if;
  update billing_private.mint_slots m set seconds = v_seconds, counts = v_counts
  where m.user_id = v_user_id;
  return 0;
end;
$$;

revoke all on function billing_private.take_mint_slot(integer) from public, anon, authenticated, service_role;
-- Reached only through public.customer_portal_lookup (security invoker, so it runs as the
-- caller) and, later, the checkout's lookup; the schema is not exposed over HTTP.
grant execute on function billing_private.take_mint_slot(integer) to authenticated;

-- The customer-portal function's one database round trip (POST /rest/v1/rpc/customer_portal_lookup
-- with the caller's own token): the caller's customer, the subscription ids to put in the session,
-- and a mint slot. Security invoker: the reads run under the caller's RLS policies, behind the
-- explicit auth.uid() filter. A slot is taken only when there is something to mint (a customer,
-- and for a deep link the subscription found), so a refusal costs the caller nothing.
-- Returns {"customer": null} or
--   {"customer": {"customer_id", "user_id", "subscription_ids": [...]},
--    "mint": {"taken": bool, "retry_after_seconds": int | null}}
create function public.customer_portal_lookup(
  p_subscription_id text default null,
  p_mint_limit integer default 10
) returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_user_id uuid := (select auth.uid());
  v_customer_id text;
  v_owner uuid;
  v_ids text[];
  v_retry integer;
begin
  if v_user_id is null then
    raise exception using errcode = '42501', message = 'customer_portal_lookup: no signed-in user';
  end if;

  select c.customer_id, c.user_id into v_customer_id, v_owner
  from public.customers c
  where c.user_id = v_user_id;
  if not found then
    return jsonb_build_object('customer', null);
  end if;

  if p_subscription_id is null then
    -- Paddle takes at most 25 ids; newest first, the id breaking ties, so the same rows always
    -- give the same 25.
    select coalesce(array_agg(s.subscription_id order by s.created_at desc, s.subscription_id desc), '{}')
    into v_ids
    from (
      select s.subscription_id, s.created_at
      from public.subscriptions s
      where s.customer_id = v_customer_id and s.status <> 'canceled'
      order by s.created_at desc, s.subscription_id desc
      limit 25
    ) s;
  else
    select coalesce(array_agg(s.subscription_id), '{}') into v_ids
    from public.subscriptions s
    where s.customer_id = v_customer_id and s.subscription_id = p_subscription_id;
  end if;

  if p_subscription_id is null or cardinality(v_ids) > 0 then
    v_retry := billing_private.take_mint_slot(p_mint_limit);
  end if;

  return jsonb_build_object(
    'customer', jsonb_build_object(
      'customer_id', v_customer_id, 'user_id', v_owner, 'subscription_ids', to_jsonb(v_ids)
    ),
    'mint', case when v_retry is null then null else jsonb_build_object(
      'taken', v_retry = 0, 'retry_after_seconds', nullif(v_retry, 0)
    ) end
  );
end;
$$;

revoke all on function public.customer_portal_lookup(text, integer) from public, anon, authenticated;
grant execute on function public.customer_portal_lookup(text, integer) to authenticated;

-- ---------------------------------------------------------------------------------------------
-- 2. Estimated counts
-- ---------------------------------------------------------------------------------------------

-- PostgREST answers Prefer: count=planned (and count=estimated on large tables) from the
-- planner's row estimate, which comes from table statistics before RLS filters anything: the
-- Content-Range total of a table whose rows a caller cannot all see tells them how many rows
-- it holds in all. This pre-request function (PostgREST runs it in every request's transaction,
-- after switching to the caller's role) refuses those two count modes for anon and
-- authenticated on the tables that hold per-user rows. Exact counts run under RLS and stay
-- allowed. Every such table must be listed here; tests/count_leak_test.ts enumerates the
-- catalog so a new one cannot be forgotten. subscription_items arrives with the complete Paddle
-- mirror (issue 9); listing it early costs nothing.
create function billing_private.refuse_estimated_counts() returns void
language plpgsql
stable
set search_path = ''
as $$
declare
  v_prefer text;
  v_path text;
begin
  if current_user not in ('anon', 'authenticated') then
    return;
  end if;
  v_prefer := lower(coalesce(nullif(current_setting('request.headers', true), '')::json ->> 'prefer', ''));
  if v_prefer !~ 'count\s*=\s*(planned|estimated)' then
    return;
  end if;
  v_path := coalesce(current_setting('request.path', true), '');
  -- A percent-encoded path could name a table in a way this match does not: refuse those too.
  if v_path ~ '%' or coalesce(substring(v_path from '^/*([^/]+)/*$'), '') = any (array[
    'customers', 'subscriptions', 'subscription_items'
  ]) then
    raise sqlstate 'PGRST' using
      message = json_build_object(
        'code', 'count_estimate_refused',
        'message', 'Prefer: count=planned and count=estimated are not available on this table.',
        'details', null,
        'hint', 'Use Prefer: count=exact, which counts only the rows you can see.'
      )::text,
      detail = json_build_object('status', 400, 'headers', json_build_object())::text;
  end if;
end;
$$;

-- Every role PostgREST may switch to runs it (a role that could not would fail every request).
grant execute on function billing_private.refuse_estimated_counts() to public;

-- PostgREST reads pgrst.* settings of its login role (in-database configuration, on by default
-- and on hosted Supabase). There is one pre-request function per PostgREST: if the project
-- already has its own, we do not clobber it. Make it call ours first
--   perform billing_private.refuse_estimated_counts();
-- and this migration keeps yours in place.
do $$
declare
  v_current text;
begin
  select substring(cfg from '^pgrst\.db_pre_request=(.*)$') into v_current
  from pg_db_role_setting s
  join pg_roles r on r.oid = s.setrole
  cross join lateral unnest(s.setconfig) as cfg
  where r.rolname = 'authenticator' and cfg like 'pgrst.db\_pre\_request=%';

  if v_current is null or v_current = 'billing_private.refuse_estimated_counts' then
    alter role authenticator set pgrst.db_pre_request = 'billing_private.refuse_estimated_counts';
  elsif to_regproc(v_current) is not null
    and pg_get_functiondef(to_regproc(v_current)) ~ 'billing_private\.refuse_estimated_counts\s*\(' then
    raise notice 'pgrst.db_pre_request stays %: it calls billing_private.refuse_estimated_counts()', v_current;
  else
    raise exception using
      message = format('pgrst.db_pre_request is already set to %s; refusing to replace it', v_current),
      hint = 'Add "perform billing_private.refuse_estimated_counts();" to that function, then run this migration again (docs/security.md).';
  end if;
end;
$$;

notify pgrst, 'reload config';

-- ---------------------------------------------------------------------------------------------
-- 4. Linking on every path to a confirmed, non-anonymous email
-- ---------------------------------------------------------------------------------------------

-- The first trigger fired on the email columns only and returned while the user was still
-- anonymous; Supabase Auth's anonymous upgrade clears is_anonymous in a later update, so such a
-- user was never linked. This one watches every column that decides whether a user holds an
-- email (email, email_confirmed_at, is_anonymous, deleted_at) and links on the update that
-- makes them a confirmed, non-anonymous, not deleted holder of an email they did not hold
-- before, in whatever order those columns change.
-- "if exists": whichever migration before this one touched them, this one ends with the new trigger.
drop trigger if exists paddle_link_customer_on_email_confirmed on auth.users;
drop function if exists public.paddle_link_customer_on_email_confirmed();

create function public.paddle_link_customer_on_user_ready() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_customer_id text;
begin
  if new.email is null or btrim(new.email) = '' or new.email_confirmed_at is null
    or new.is_anonymous or new.deleted_at is not null then
    return null;
  end if;
  -- Already a holder of this email before the update: nothing became true now.
  if tg_op = 'UPDATE' and old.email is not null and lower(old.email) = lower(new.email)
    and old.email_confirmed_at is not null and not old.is_anonymous and old.deleted_at is null then
    return null;
  end if;

  -- Linking is a convenience; it must never make a sign-up, an upgrade or a confirmation fail.
  begin
    -- The same lock apply_paddle_event takes for this email, before any customer row lock
    -- (see paddle_link_customer).
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
    raise warning 'paddle_link_customer_on_user_ready: % (SQLSTATE %)', sqlerrm, sqlstate;
  end;
  return null;
end;
$$;

revoke all on function public.paddle_link_customer_on_user_ready()
  from public, anon, authenticated, service_role;

create trigger paddle_link_customer_on_user_ready
  after insert or update of email, email_confirmed_at, is_anonymous, deleted_at on auth.users
  for each row execute function public.paddle_link_customer_on_user_ready();

-- ---------------------------------------------------------------------------------------------
-- 5. paddle_events pruning without a scheduler
-- ---------------------------------------------------------------------------------------------

-- Settings the billing SQL reads, one row. In public so the service role can change them with
-- its key (PATCH /rest/v1/billing_settings); RLS on and no grant to anon or authenticated.
create table public.billing_settings (
  id boolean primary key default true constraint billing_settings_one_row check (id),
  -- Ledger rows older than this are pruned. Paddle retries for up to 3 days, and newest-wins
  -- turns a redelivery of a pruned event into a no-op, so anything above 3 days is safe.
  paddle_events_retention interval not null default interval '30 days'
    constraint billing_settings_retention_min check (paddle_events_retention >= interval '3 days'),
  -- Prune after every this many ledger inserts, at most this many rows each time: the cost is
  -- bounded per event, and a backlog drains over the following events.
  paddle_events_prune_every integer not null default 100
    constraint billing_settings_prune_every_positive check (paddle_events_prune_every >= 1),
  paddle_events_prune_batch integer not null default 500
    constraint billing_settings_prune_batch_range check (paddle_events_prune_batch between 1 and 10000)
);

comment on table public.billing_settings is
  'One row of settings for the billing SQL (paddle_events retention); the service role may change it.';

insert into public.billing_settings (id) values (true);

alter table public.billing_settings enable row level security;
revoke all on table public.billing_settings from public, anon, authenticated, service_role;
grant select, update on table public.billing_settings to service_role;

create index paddle_events_received_at_idx on public.paddle_events (received_at);

create sequence billing_private.paddle_events_inserts;
revoke all on sequence billing_private.paddle_events_inserts from public, anon, authenticated, service_role;

create function billing_private.prune_paddle_events() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_settings public.billing_settings;
begin
  select * into v_settings from public.billing_settings where id;
  if not found or nextval('billing_private.paddle_events_inserts') % v_settings.paddle_events_prune_every <> 0 then
    return null;
  end if;
  -- skip locked: two concurrent prunes share the work instead of queueing on each other's rows.
  delete from public.paddle_events e
  where e.event_id in (
    select o.event_id from public.paddle_events o
    where o.received_at < now() - v_settings.paddle_events_retention
    order by o.received_at
    limit v_settings.paddle_events_prune_batch
    for update skip locked
  );
  return null;
end;
$$;

revoke all on function billing_private.prune_paddle_events() from public, anon, authenticated, service_role;

create trigger paddle_events_prune
  after insert on public.paddle_events
  for each row execute function billing_private.prune_paddle_events();
