-- Billing mirror: Paddle customers and subscriptions, readable by their owner only.
--
-- Writes come from the service role (the paddle-webhook function); signed-in users
-- get SELECT on their own rows and nothing else. RLS is the second wall: the
-- customer-portal function also filters on the verified user id itself.

create table public.customers (
  customer_id text primary key
    constraint customers_customer_id_shape check (customer_id ~ '^ctm_[a-z0-9]{26}$'),
  -- Null until the Paddle customer is linked to a Supabase user. Unique: one
  -- Paddle customer per user, so the portal lookup can never be ambiguous.
  user_id uuid unique references auth.users (id) on delete set null,
  email text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table public.customers is
  'Paddle customers mirrored by the paddle-webhook function; user_id links one to a Supabase user.';

create table public.subscriptions (
  subscription_id text primary key
    constraint subscriptions_subscription_id_shape check (subscription_id ~ '^sub_[a-z0-9]{26}$'),
  customer_id text not null references public.customers (customer_id) on delete cascade,
  status text not null
    constraint subscriptions_status_known
    check (status in ('active', 'trialing', 'past_due', 'paused', 'canceled')),
  price_id text constraint subscriptions_price_id_shape check (price_id ~ '^pri_[a-z0-9]{26}$'),
  product_id text
    constraint subscriptions_product_id_shape check (product_id ~ '^pro_[a-z0-9]{26}$'),
  -- Paddle's scheduled_change object, flattened so it can be typed and checked.
  scheduled_change_action text
    constraint subscriptions_scheduled_change_action_known
    check (scheduled_change_action in ('cancel', 'pause', 'resume')),
  scheduled_change_effective_at timestamptz,
  scheduled_change_resume_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint subscriptions_scheduled_change_complete
    check ((scheduled_change_action is null) = (scheduled_change_effective_at is null))
);

comment on table public.subscriptions is
  'Paddle subscriptions mirrored by the paddle-webhook function; visible to the owner of their customer.';

-- The subscriptions policy filters on customer_id, and the portal lookup reads a
-- customer's subscriptions newest first: one index serves both.
create index subscriptions_customer_id_created_at_idx
  on public.subscriptions (customer_id, created_at desc);
-- customers.user_id (the customers policy's column) is indexed by its unique constraint.

create function public.set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

revoke all on function public.set_updated_at() from public, anon, authenticated;

create trigger customers_set_updated_at
  before update on public.customers
  for each row execute function public.set_updated_at();

create trigger subscriptions_set_updated_at
  before update on public.subscriptions
  for each row execute function public.set_updated_at();

alter table public.customers enable row level security;
alter table public.subscriptions enable row level security;

-- Supabase's default privileges grant everything on new tables to anon and
-- authenticated; take it all back and give signed-in users SELECT only.
revoke all on table public.customers, public.subscriptions from public, anon, authenticated;
grant select on table public.customers, public.subscriptions to authenticated;
-- The service role (webhooks) writes; it has no use for TRUNCATE, REFERENCES or TRIGGER.
revoke all on table public.customers, public.subscriptions from service_role;
grant select, insert, update, delete on table public.customers, public.subscriptions to service_role;

create policy "customers are readable by their owner"
  on public.customers for select to authenticated
  using ((select auth.uid()) = user_id);

create policy "subscriptions are readable by the owner of their customer"
  on public.subscriptions for select to authenticated
  using (
    customer_id in (
      select c.customer_id from public.customers c where c.user_id = (select auth.uid())
    )
  );
