-- The sync's pace with Paddle: when its next request may go out.
--
-- Paddle allows 240 requests a minute per IP; the sync spends at most
-- PADDLE_SYNC_REQUESTS_PER_MINUTE of them, evenly, so users' portal and checkout
-- calls keep the rest. The turn is kept here rather than in the function's
-- memory because a sync is many invocations: each slice is a new request (often
-- a new isolate), two scheduled slices can overlap, and `deno task paddle:sync`
-- can run beside the schedule. One row, taken with FOR UPDATE, hands out turns
-- to all of them from one clock (the database's), so together they keep the pace.
-- A 429 from Paddle (users spent the budget) pushes the next turn past its
-- Retry-After for every caller at once.

create table public.paddle_sync_pace (
  singleton boolean primary key default true constraint paddle_sync_pace_one_row check (singleton),
  -- No sync request goes out before this time.
  next_request_at timestamptz not null default '-infinity'
);

comment on table public.paddle_sync_pace is
  'When the Paddle sync may send its next request (paddle_sync_request_turn). Nobody reads it through the API.';

insert into public.paddle_sync_pace default values;

alter table public.paddle_sync_pace enable row level security;
revoke all on table public.paddle_sync_pace from public, anon, authenticated, service_role;

-- Takes the next turn to call Paddle, p_interval_ms after the one before it (or
-- now, if the sync has been quiet). Returns how many milliseconds the caller must
-- wait before sending, or null when that wait would be longer than p_within_ms:
-- then no turn is taken, so a slice about to end does not spend a turn it cannot use.
create function public.paddle_sync_request_turn(p_interval_ms integer, p_within_ms integer)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_next timestamptz;
  v_now timestamptz;
  v_turn timestamptz;
begin
  if p_interval_ms is null or p_interval_ms < 1 or p_interval_ms > 3600000
     or p_within_ms is null or p_within_ms < 0 then
    raise exception using errcode = '22023',
      message = 'paddle_sync_request_turn: p_interval_ms must be 1..3600000 and p_within_ms >= 0';
  end if;
  select p.next_request_at into v_next from public.paddle_sync_pace p where p.singleton for update;
  -- Read after the lock: a caller that queued behind another must not use a stale now.
  v_now := clock_timestamp();
  v_turn := greatest(v_next, v_now);
  if v_turn > v_now + make_interval(secs => p_within_ms / 1000.0) then
    return null;
  end if;
  -- A where clause even on one row: Supabase's safeupdate refuses an UPDATE without one.
  update public.paddle_sync_pace p
  set next_request_at = v_turn + make_interval(secs => p_interval_ms / 1000.0)
  where p.singleton;
  return ceil(extract(epoch from v_turn - v_now) * 1000)::integer;
end;
$$;

-- Paddle answered 429 with Retry-After: no sync request before then, whoever asks.
create function public.paddle_sync_hold_requests(p_ms integer) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  if p_ms is null or p_ms < 0 or p_ms > 3600000 then
    raise exception using errcode = '22023',
      message = 'paddle_sync_hold_requests: p_ms must be 0..3600000';
  end if;
  update public.paddle_sync_pace p
  set next_request_at = greatest(p.next_request_at,
                                 clock_timestamp() + make_interval(secs => p_ms / 1000.0))
  where p.singleton;
end;
$$;

revoke all on function public.paddle_sync_request_turn(integer, integer)
  from public, anon, authenticated;
revoke all on function public.paddle_sync_hold_requests(integer) from public, anon, authenticated;
grant execute on function public.paddle_sync_request_turn(integer, integer) to service_role;
grant execute on function public.paddle_sync_hold_requests(integer) to service_role;
