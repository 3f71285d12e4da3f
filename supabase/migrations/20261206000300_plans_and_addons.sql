-- What is for sale, plans versus add-ons (issue 17), read from the catalog itself.
--
-- Paddle has no notion of a plan or an add-on. The convention is the one of Paddle's own sample
-- catalogs (AeroEdit, ChatApp): a plan product's custom_data carries
--   {"features": {"<feature>": <value>, ...}, "suggested_addons": ["pro_...", ...]}
-- A product named in an active product's suggested_addons is an add-on; every other active
-- product with active recurring prices is a plan. public.catalog_prices is the one list of what
-- is for sale: checkout, subscription-update and the page all read it (README, "The catalog").

------------------------------------------------------------------------------------------------
-- The add-on rule, once
------------------------------------------------------------------------------------------------

-- The ids of add-on products: every well-formed id in an active product's suggested_addons.
-- Any active product's list counts, not only a plan's: a product a seller calls an add-on
-- anywhere is never sold or counted on its own (an add-on that suggests another one cannot make
-- that one a plan). No `set search_path`, so Postgres inlines it into the view and into
-- has_active_subscription; every name in it is schema-qualified.
create function billing_private.addon_product_ids() returns setof text
language sql
stable
as $$
  select distinct a.id
  from public.products p
  cross join lateral jsonb_array_elements_text(
    case when jsonb_typeof(p.custom_data -> 'suggested_addons') = 'array'
      then jsonb_path_query_array(p.custom_data -> 'suggested_addons', '$[*] ? (@.type() == "string")')
      else '[]'::jsonb end
  ) a (id)
  where p.status = 'active'
    and a.id ~ '^pro_[a-z0-9]{26}$'
$$;

revoke all on function billing_private.addon_product_ids() from public, anon, authenticated, service_role;
-- The view below is security invoker: whoever reads it runs this.
grant execute on function billing_private.addon_product_ids() to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- public.catalog_prices: one row per price for sale
------------------------------------------------------------------------------------------------

-- For sale: an active recurring price (a one-time price makes no subscription) of an active
-- product. Paddle's default quantity bounds (1..100) applied. features and suggested_addons are
-- the plan's (null for an add-on); suggested_addons keeps the seller's order and only the
-- add-ons that have a price for sale, so a reader can trust every id in it.
create view public.catalog_prices
with (security_invoker = true)
as
with addons as (
  select a.id from billing_private.addon_product_ids() a (id)
),
for_sale as (
  select
    p.price_id,
    p.product_id,
    case when p.product_id in (select id from addons) then 'addon' else 'plan' end as role,
    pr.name as product_name,
    pr.description as product_description,
    p.name as price_name,
    p.description as price_description,
    p.billing_cycle_interval,
    p.billing_cycle_frequency,
    p.unit_price_amount,
    p.unit_price_currency,
    coalesce(p.quantity_minimum, 1) as quantity_minimum,
    coalesce(p.quantity_maximum, 100) as quantity_maximum,
    p.trial_period_interval,
    p.trial_period_frequency,
    pr.custom_data as product_custom_data
  from public.prices p
  join public.products pr on pr.product_id = p.product_id
  where p.status = 'active'
    and p.billing_cycle_interval is not null
    and pr.status = 'active'
)
select
  f.price_id,
  f.product_id,
  f.role,
  f.product_name,
  f.price_name,
  f.billing_cycle_interval,
  f.billing_cycle_frequency,
  f.unit_price_amount,
  f.unit_price_currency,
  f.quantity_minimum,
  f.quantity_maximum,
  case when f.role = 'plan' then
    case when jsonb_typeof(f.product_custom_data -> 'features') = 'object'
      then f.product_custom_data -> 'features' else '{}'::jsonb end
  end as features,
  case when f.role = 'plan' then array(
    select s.id
    from jsonb_array_elements(
      case when jsonb_typeof(f.product_custom_data -> 'suggested_addons') = 'array'
        then f.product_custom_data -> 'suggested_addons' else '[]'::jsonb end
    ) with ordinality s0 (v, ord)
    cross join lateral (select s0.v #>> '{}' as id) s
    where jsonb_typeof(s0.v) = 'string'
      and exists (select 1 from for_sale a where a.product_id = s.id and a.role = 'addon')
    group by s.id
    order by min(s0.ord)
  ) end as suggested_addons,
  f.product_description,
  f.price_description,
  f.trial_period_interval,
  f.trial_period_frequency
from for_sale f;

comment on view public.catalog_prices is
  'What is for sale: active recurring prices of active products, each a plan''s or an add-on''s (custom_data.suggested_addons). Security invoker: the catalog''s RLS applies.';

revoke all on table public.catalog_prices from public, anon, authenticated, service_role;
grant select on table public.catalog_prices to anon, authenticated, service_role;

------------------------------------------------------------------------------------------------
-- has_active_subscription: an add-on alone is not a subscription to anything
------------------------------------------------------------------------------------------------

-- Replaces the function of 20261125000200: without a product, a subscription whose items are
-- all add-ons no longer counts; one holding any other item does (a plan, for sale today or not:
-- a customer on a retired plan is still subscribed). With a product, unchanged.
create or replace function public.has_active_subscription(p_product_id text default null) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.customers c
    join public.subscriptions s on s.customer_id = c.customer_id
    where c.user_id = (select auth.uid())
      and s.status in ('active', 'trialing', 'past_due')
      and case
        when p_product_id is null then not exists (
          -- Items, every one an add-on. (A state without items, which only a mirror older than
          -- the items table can hold, counts as before.)
          select 1 from public.subscription_items i
          where i.subscription_id = s.subscription_id
          having count(*) > 0
            and bool_and(i.product_id in (select a.id from billing_private.addon_product_ids() a (id)))
        )
        else exists (
          select 1 from public.subscription_items i
          where i.subscription_id = s.subscription_id and i.product_id = p_product_id
        )
      end
  )
$$;

-- create or replace keeps the landed grants; restated so this file reads complete.
revoke all on function public.has_active_subscription(text) from public, anon, authenticated, service_role;
grant execute on function public.has_active_subscription(text) to authenticated;
