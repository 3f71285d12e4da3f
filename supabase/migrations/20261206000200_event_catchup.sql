-- Catch-up from Paddle's event log (GET /events): where the mirror stands in that log, and
-- the functions the paddle-sync function's catch-up mode calls through PostgREST (service
-- role only).
--
-- Every event goes through public.apply_paddle_event, the webhooks' own dispatcher, so the
-- ledger (paddle_events) turns what a webhook already brought into a 'duplicate' and the
-- newest-wins rule keeps an older event from undoing a newer state. The cursor moves in the
-- same transaction as the page's events: whatever stops a catch-up, the next one starts
-- exactly after the last committed page.
--
-- Paddle keeps events for 90 days. A cursor that stands further back than that may have
-- lost events in between, so the function falls back to a full sync: it records the newest
-- event of the log first, restarts the sync run, and once a run that began after that moment
-- is done, the cursor becomes that event. Everything the log held before it is in the
-- snapshot, everything after it is read by the next catch-up.

create table public.paddle_event_cursor (
  id boolean primary key default true constraint paddle_event_cursor_one_row check (id),
  -- The `after` for the next read: the last event id read; null with cursor_at set means
  -- from the start of the log (it was empty when the cursor was set).
  cursor_event_id text
    constraint paddle_event_cursor_event_id_shape check (cursor_event_id ~ '^evt_[a-z0-9]{26}$'),
  -- Every event up to this moment is known applied; null: never caught up (no cursor).
  cursor_at timestamptz,
  -- A full sync standing in for a catch-up: the cursor it will set, and when it began.
  fallback_event_id text
    constraint paddle_event_cursor_fallback_id_shape check (fallback_event_id ~ '^evt_[a-z0-9]{26}$'),
  fallback_started_at timestamptz,
  fallback_reason text
    constraint paddle_event_cursor_fallback_reason_known
      check (fallback_reason in ('no_cursor', 'cursor_expired')),
  pages bigint not null default 0,
  events bigint not null default 0,
  refused bigint not null default 0,
  last_page_at timestamptz
);

comment on table public.paddle_event_cursor is
  'Where the mirror stands in Paddle''s event log (paddle-sync catch-up mode). Service role reads, nobody else.';

alter table public.paddle_event_cursor enable row level security;
-- Supabase's default privileges hand new tables to the API roles; take them back.
revoke all on table public.paddle_event_cursor from public, anon, authenticated, service_role;
grant select on table public.paddle_event_cursor to service_role;

create function public.paddle_catch_up_status() returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'cursor_event_id', c.cursor_event_id,
    'cursor_at', c.cursor_at,
    'fallback', case when c.fallback_started_at is null then null else jsonb_build_object(
      'event_id', c.fallback_event_id,
      'started_at', c.fallback_started_at,
      'reason', c.fallback_reason
    ) end,
    'pages', c.pages,
    'events', c.events,
    'refused', c.refused,
    'last_page_at', c.last_page_at,
    'sync', public.paddle_sync_status()
  )
  from public.paddle_event_cursor c
  where c.id;
$$;

-- Starts a catch-up: makes sure the one row exists and, when a fallback full sync has
-- finished (a run that started at or after the fallback did is done), turns its recorded
-- event into the cursor. Returns paddle_catch_up_status().
create function public.paddle_catch_up_begin() returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_cursor public.paddle_event_cursor;
  v_sync jsonb;
begin
  insert into public.paddle_event_cursor (id) values (true) on conflict (id) do nothing;
  select * into v_cursor from public.paddle_event_cursor c where c.id for update;
  if v_cursor.fallback_started_at is not null then
    v_sync := public.paddle_sync_status();
    if v_sync ->> 'status' = 'done'
      and (v_sync ->> 'started_at')::timestamptz >= v_cursor.fallback_started_at then
      update public.paddle_event_cursor c
      set cursor_event_id = v_cursor.fallback_event_id,
          cursor_at = v_cursor.fallback_started_at,
          fallback_event_id = null, fallback_started_at = null, fallback_reason = null
      where c.id;
    end if;
  end if;
  return public.paddle_catch_up_status();
end;
$$;

-- Falls back to a full sync (no cursor yet, or one older than Paddle keeps events):
-- p_newest_event_id is the newest event in Paddle's log now (null when it is empty). Restarts
-- the sync run in the same transaction, so the run begins after that event was read. A
-- fallback already pending (a concurrent catch-up got here first) is left as it is: one
-- restart is enough. Returns paddle_catch_up_status().
create function public.paddle_catch_up_start_full_sync(p_newest_event_id text, p_reason text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.paddle_event_cursor (id) values (true) on conflict (id) do nothing;
  update public.paddle_event_cursor c
  set fallback_event_id = p_newest_event_id, fallback_started_at = now(), fallback_reason = p_reason
  where c.id and c.fallback_started_at is null;
  if found then
    perform public.paddle_sync_begin(true);
  end if;
  return public.paddle_catch_up_status();
end;
$$;

-- Applies one page of the event log through apply_paddle_event and moves the cursor, in one
-- transaction. p_after is the cursor the page was read after: if the row no longer has it
-- (another catch-up got there first, or a fallback began) nothing is applied and 'applied'
-- is false. p_events are the page's mirrored events, oldest first; p_next_event_id the last
-- event id of the whole page (unmirrored types included); p_known_until the moment up to which
-- the log has now been read (the last page: when the reading began; an earlier page: when its
-- last event occurred), which is what the 90-day check measures.
-- p_isolate applies each event on its own (a refused event is counted and skipped instead of
-- rolling the page back): the caller's retry after a 22023, never the common path, because
-- a savepoint per event costs on large pages.
-- Returns {applied, counts: {applied, stale, duplicate, refused}, refused_event_ids, status}.
create function public.paddle_catch_up_apply_page(
  p_after text,
  p_events jsonb,
  p_next_event_id text,
  p_known_until timestamptz,
  p_isolate boolean default false
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_cursor public.paddle_event_cursor;
  v_event jsonb;
  v_outcome text;
  v_counts jsonb := jsonb_build_object('applied', 0, 'stale', 0, 'duplicate', 0, 'refused', 0);
  v_refused text[] := '{}';
begin
  if jsonb_typeof(p_events) is distinct from 'array' then
    raise exception using errcode = '22023', message = 'paddle_catch_up_apply_page: p_events is not an array';
  end if;
  select * into v_cursor from public.paddle_event_cursor c where c.id for update;
  if not found or v_cursor.cursor_at is null or v_cursor.fallback_started_at is not null
    or v_cursor.cursor_event_id is distinct from p_after then
    return jsonb_build_object('applied', false, 'status', public.paddle_catch_up_status());
  end if;

  for v_event in select e from jsonb_array_elements(p_events) e loop
    if p_isolate then
      begin
        v_outcome := public.apply_paddle_event(v_event) ->> 'outcome';
      exception when sqlstate '22023' then
        v_outcome := 'refused';
        v_refused := v_refused || (v_event ->> 'event_id');
      end;
    else
      v_outcome := public.apply_paddle_event(v_event) ->> 'outcome';
    end if;
    v_counts := jsonb_set(v_counts, array[v_outcome], to_jsonb((v_counts ->> v_outcome)::integer + 1));
  end loop;

  update public.paddle_event_cursor c
  set cursor_event_id = coalesce(p_next_event_id, c.cursor_event_id),
      cursor_at = greatest(c.cursor_at, p_known_until),
      pages = c.pages + 1,
      events = c.events + jsonb_array_length(p_events),
      refused = c.refused + cardinality(v_refused),
      last_page_at = now()
  where c.id;

  return jsonb_build_object('applied', true, 'counts', v_counts, 'refused_event_ids', to_jsonb(v_refused),
                            'status', public.paddle_catch_up_status());
end;
$$;

revoke all on function public.paddle_catch_up_status() from public, anon, authenticated;
revoke all on function public.paddle_catch_up_begin() from public, anon, authenticated;
revoke all on function public.paddle_catch_up_start_full_sync(text, text) from public, anon, authenticated;
revoke all on function public.paddle_catch_up_apply_page(text, jsonb, text, timestamptz, boolean)
  from public, anon, authenticated;
grant execute on function public.paddle_catch_up_status() to service_role;
grant execute on function public.paddle_catch_up_begin() to service_role;
grant execute on function public.paddle_catch_up_start_full_sync(text, text) to service_role;
grant execute on function public.paddle_catch_up_apply_page(text, jsonb, text, timestamptz, boolean)
  to service_role;
