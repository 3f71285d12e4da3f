-- Resumable sync from Paddle's list APIs: where each entity type's paging stands,
-- and the functions the sync engine calls through PostgREST (service role only).
--
-- Why the cursor lives here and moves in the same transaction as the page's rows:
-- a slice can be killed at any moment (a deadline, Paddle 5xx/429, the database
-- going away). If the cursor and the page commit together, the next slice starts
-- exactly after the last committed page: nothing is applied twice from the start
-- and nothing is skipped. Pages themselves are idempotent snapshots (the "newer"
-- rule, docs/mirror.md), so even a page repeated by a lost answer writes nothing.

create table public.paddle_sync_state (
  entity_type text primary key
    constraint paddle_sync_state_entity_type_known
      check (entity_type in ('product', 'price', 'customer', 'subscription')),
  -- The order of a run: the catalog first, so subscription items find their names.
  position smallint not null unique,
  -- Every row of one run shares the id; a restart gives all four a new one, so a
  -- slice still running from the previous run cannot move the new run's cursors.
  run_id uuid not null,
  -- The `after` for the next page (Paddle's cursor is the last id of the page before);
  -- null means from the first page.
  cursor text,
  done boolean not null default false,
  pages integer not null default 0,
  records integer not null default 0,
  written integer not null default 0,
  items_written integer not null default 0,
  catalog_written integer not null default 0,
  linked integer not null default 0,
  estimated_total integer,
  started_at timestamptz not null,
  finished_at timestamptz,
  last_page_at timestamptz,
  errors integer not null default 0,
  last_error text,
  last_error_at timestamptz
);

comment on table public.paddle_sync_state is
  'Progress of the Paddle API sync, one row per entity type (paddle-sync function, deno task paddle:sync). Service role reads, nobody else.';

alter table public.paddle_sync_state enable row level security;
-- Supabase's default privileges hand new tables to the API roles; take them back.
revoke all on table public.paddle_sync_state from public, anon, authenticated, service_role;
grant select on table public.paddle_sync_state to service_role;

-- The run as one JSON document: what the function answers and the CLI draws.
create function public.paddle_sync_status() returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  select case when count(*) = 0 then
    jsonb_build_object('status', 'never_run')
  else
    jsonb_build_object(
      'status', case when bool_and(s.done) then 'done' else 'syncing' end,
      'run_id', min(s.run_id::text),
      'started_at', min(s.started_at),
      'finished_at', case when bool_and(s.done) then max(s.finished_at) end,
      'pages', sum(s.pages),
      'records', sum(s.records),
      'written', sum(s.written + s.items_written + s.catalog_written),
      'entities', jsonb_agg(jsonb_build_object(
        'entity_type', s.entity_type,
        'done', s.done,
        'cursor', s.cursor,
        'pages', s.pages,
        'records', s.records,
        'written', s.written,
        'items_written', s.items_written,
        'catalog_written', s.catalog_written,
        'linked', s.linked,
        'estimated_total', s.estimated_total,
        'started_at', s.started_at,
        'finished_at', s.finished_at,
        'errors', s.errors,
        'last_error', s.last_error,
        'last_error_at', s.last_error_at
      ) order by s.position)
    )
  end
  from public.paddle_sync_state s;
$$;

-- Starts a run, or continues the current one. A finished run stays finished unless
-- p_restart: then every cursor goes back to the start and the counts to zero (rows
-- in the mirror are never deleted; a restart re-reads Paddle and writes only what
-- changed). Returns paddle_sync_status(), so "already done" costs one call.
create function public.paddle_sync_begin(p_restart boolean default false) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_rows integer;
  v_run_id uuid := gen_random_uuid();
begin
  -- Two callers beginning at once must agree on one run.
  lock table public.paddle_sync_state in share row exclusive mode;
  select count(*) into v_rows from public.paddle_sync_state;
  if p_restart or v_rows < 4 then
    insert into public.paddle_sync_state as s (entity_type, position, run_id, started_at)
    values ('product', 1, v_run_id, now()),
           ('price', 2, v_run_id, now()),
           ('customer', 3, v_run_id, now()),
           ('subscription', 4, v_run_id, now())
    on conflict (entity_type) do update
    set run_id = excluded.run_id, cursor = null, done = false, pages = 0, records = 0,
        written = 0, items_written = 0, catalog_written = 0, linked = 0,
        estimated_total = null, started_at = excluded.started_at, finished_at = null,
        last_page_at = null, errors = 0, last_error = null, last_error_at = null;
  end if;
  return public.paddle_sync_status();
end;
$$;

-- Applies one page through the same path as webhooks (apply_paddle_entities) and
-- moves the cursor, in one transaction. p_after is the cursor the page was fetched
-- with: if the row no longer has it (another slice got there first, or a restart
-- began a new run) nothing is applied and 'applied' is false, so two overlapping
-- slices never count a page twice.
-- Returns {applied, entity_type, result: <apply_paddle_entities' answer>, run: paddle_sync_status()}.
create function public.paddle_sync_apply_page(
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

-- Remembers why a slice stopped (a stable code such as rate_limited, never a
-- message from upstream). Only for the current run. Returns paddle_sync_status().
create function public.paddle_sync_record_error(
  p_run_id uuid,
  p_entity_type text,
  p_error text
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.paddle_sync_state s
  set errors = s.errors + 1, last_error = left(p_error, 200), last_error_at = now()
  where s.entity_type = p_entity_type and s.run_id = p_run_id;
  return public.paddle_sync_status();
end;
$$;

revoke all on function public.paddle_sync_status() from public, anon, authenticated;
revoke all on function public.paddle_sync_begin(boolean) from public, anon, authenticated;
revoke all on function public.paddle_sync_apply_page(uuid, text, text, jsonb, text, boolean, integer)
  from public, anon, authenticated;
revoke all on function public.paddle_sync_record_error(uuid, text, text) from public, anon, authenticated;
grant execute on function public.paddle_sync_status() to service_role;
grant execute on function public.paddle_sync_begin(boolean) to service_role;
grant execute on function public.paddle_sync_apply_page(uuid, text, text, jsonb, text, boolean, integer)
  to service_role;
grant execute on function public.paddle_sync_record_error(uuid, text, text) to service_role;
