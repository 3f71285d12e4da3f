-- Demo data for local development (`deno task dev`, `supabase db reset`).
-- Every demo user's password is `demo-password` (see README). Never seed production.
--
--   alice@example.com  customer, two active subscriptions (Pro monthly + 3 seats; Starter
--                      monthly, scheduled to cancel)
--   bob@example.com    customer, no subscription
--   carol@example.com  no customer (has never checked out)
--   dave@example.com   customer, one active subscription (isolation checks against alice)
--   erin@example.com   email never confirmed, no customer
--
-- The Paddle side goes in through public.apply_paddle_entities, the write path the API sync
-- uses, as Paddle's API JSON: the customers link to their users by the same rule as webhooks
-- (a single user with that confirmed email), and every mirrored column is what Paddle would
-- report, so the local Paddle simulator builds its account from these rows and a sync right
-- after start writes nothing. The catalog's times are fixed (tests embed the same objects);
-- customer and subscription times are relative to the day the database was created.

insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  confirmation_token, recovery_token, email_change_token_new, email_change,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at
)
select
  '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', u.email,
  extensions.crypt('demo-password', extensions.gen_salt('bf')),
  case when u.confirmed then now() end,
  '', '', '', '',
  '{"provider": "email", "providers": ["email"]}', '{}', now(), now()
from (values
  ('a11ce000-0000-4000-8000-000000000001'::uuid, 'alice@example.com', true),
  ('b0b00000-0000-4000-8000-000000000002'::uuid, 'bob@example.com', true),
  ('ca201000-0000-4000-8000-000000000003'::uuid, 'carol@example.com', true),
  ('da7e0000-0000-4000-8000-000000000004'::uuid, 'dave@example.com', true),
  ('e2170000-0000-4000-8000-000000000005'::uuid, 'erin@example.com', false)
) as u (id, email, confirmed);

insert into auth.identities (provider_id, user_id, identity_data, provider, created_at, updated_at)
select u.id::text, u.id, jsonb_build_object('sub', u.id::text, 'email', u.email), 'email', now(), now()
from auth.users u
where u.email like '%@example.com';

-- The demo catalog, by the plans-and-add-ons convention (README, "The catalog"): two plans whose
-- custom_data carries features and suggested_addons, each with a monthly and a yearly price, and
-- an "Extra seats" add-on both suggest, monthly and yearly. (The Starter monthly price keeps the
-- id it had as "Basic monthly", so seeded subscriptions and tests keep their ids.)
select public.apply_paddle_entities('product', $json$[
  {"id": "pro_01jdemostarter000000000000", "name": "Starter plan", "type": "standard",
   "tax_category": "standard", "description": "For one person getting started.", "image_url": null,
   "custom_data": {"features": {"Projects": "3", "Storage": "10 GB", "Priority support": false},
                   "suggested_addons": ["pro_01jdemoaddonseats000000000"]},
   "status": "active", "import_meta": null,
   "created_at": "2026-01-05T09:00:00.000000Z", "updated_at": "2026-01-05T09:00:00.000000Z"},
  {"id": "pro_01jdemoproduct000000000000", "name": "Pro plan", "type": "standard",
   "tax_category": "standard", "description": "Everything in the demo app.", "image_url": null,
   "custom_data": {"features": {"Projects": "Unlimited", "Storage": "100 GB", "Priority support": true},
                   "suggested_addons": ["pro_01jdemoaddonseats000000000"]},
   "status": "active", "import_meta": null,
   "created_at": "2026-01-05T09:00:00.000000Z", "updated_at": "2026-01-05T09:00:00.000000Z"},
  {"id": "pro_01jdemoaddonseats000000000", "name": "Extra seats", "type": "standard",
   "tax_category": "standard", "description": "One more team member.", "image_url": null,
   "custom_data": null, "status": "active", "import_meta": null,
   "created_at": "2026-01-05T09:00:00.000000Z", "updated_at": "2026-01-05T09:00:00.000000Z"}
]$json$::jsonb);

select public.apply_paddle_entities('price', $json$[
  {"id": "pri_01jdemopricebasic000000000", "product_id": "pro_01jdemostarter000000000000",
   "type": "standard", "description": "Starter monthly", "name": "Starter monthly",
   "tax_mode": "account_setting", "billing_cycle": {"interval": "month", "frequency": 1},
   "trial_period": null, "unit_price": {"amount": "1000", "currency_code": "USD"},
   "unit_price_overrides": [], "quantity": {"minimum": 1, "maximum": 1}, "status": "active",
   "custom_data": null, "import_meta": null,
   "created_at": "2026-01-05T09:05:00.000000Z", "updated_at": "2026-01-05T09:05:00.000000Z"},
  {"id": "pri_01jdemostarteryearly000000", "product_id": "pro_01jdemostarter000000000000",
   "type": "standard", "description": "Starter yearly", "name": "Starter yearly",
   "tax_mode": "account_setting", "billing_cycle": {"interval": "year", "frequency": 1},
   "trial_period": null, "unit_price": {"amount": "10000", "currency_code": "USD"},
   "unit_price_overrides": [], "quantity": {"minimum": 1, "maximum": 1}, "status": "active",
   "custom_data": null, "import_meta": null,
   "created_at": "2026-01-05T09:05:00.000000Z", "updated_at": "2026-01-05T09:05:00.000000Z"},
  {"id": "pri_01jdemopricepro00000000000", "product_id": "pro_01jdemoproduct000000000000",
   "type": "standard", "description": "Pro monthly", "name": "Pro monthly",
   "tax_mode": "account_setting", "billing_cycle": {"interval": "month", "frequency": 1},
   "trial_period": null, "unit_price": {"amount": "3000", "currency_code": "USD"},
   "unit_price_overrides": [], "quantity": {"minimum": 1, "maximum": 1}, "status": "active",
   "custom_data": null, "import_meta": null,
   "created_at": "2026-01-05T09:05:00.000000Z", "updated_at": "2026-01-05T09:05:00.000000Z"},
  {"id": "pri_01jdemoproyearly0000000000", "product_id": "pro_01jdemoproduct000000000000",
   "type": "standard", "description": "Pro yearly", "name": "Pro yearly",
   "tax_mode": "account_setting", "billing_cycle": {"interval": "year", "frequency": 1},
   "trial_period": null, "unit_price": {"amount": "30000", "currency_code": "USD"},
   "unit_price_overrides": [], "quantity": {"minimum": 1, "maximum": 1}, "status": "active",
   "custom_data": null, "import_meta": null,
   "created_at": "2026-01-05T09:05:00.000000Z", "updated_at": "2026-01-05T09:05:00.000000Z"},
  {"id": "pri_01jdemopriceseats000000000", "product_id": "pro_01jdemoaddonseats000000000",
   "type": "standard", "description": "Extra seat, monthly", "name": "Extra seat",
   "tax_mode": "account_setting", "billing_cycle": {"interval": "month", "frequency": 1},
   "trial_period": null, "unit_price": {"amount": "500", "currency_code": "USD"},
   "unit_price_overrides": [], "quantity": {"minimum": 1, "maximum": 100}, "status": "active",
   "custom_data": null, "import_meta": null,
   "created_at": "2026-01-05T09:05:00.000000Z", "updated_at": "2026-01-05T09:05:00.000000Z"},
  {"id": "pri_01jdemoseatsyearly00000000", "product_id": "pro_01jdemoaddonseats000000000",
   "type": "standard", "description": "Extra seat, yearly", "name": "Extra seat, yearly",
   "tax_mode": "account_setting", "billing_cycle": {"interval": "year", "frequency": 1},
   "trial_period": null, "unit_price": {"amount": "5000", "currency_code": "USD"},
   "unit_price_overrides": [], "quantity": {"minimum": 1, "maximum": 100}, "status": "active",
   "custom_data": null, "import_meta": null,
   "created_at": "2026-01-05T09:05:00.000000Z", "updated_at": "2026-01-05T09:05:00.000000Z"}
]$json$::jsonb);

-- Paddle's times at microsecond precision in UTC, as its API writes them.
create function pg_temp.paddle_time(p_at timestamptz) returns jsonb
language sql immutable
as $$ select to_jsonb(to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) $$;

select public.apply_paddle_entities('customer', (
  select jsonb_agg(jsonb_build_object(
    'id', c.id, 'name', c.name, 'email', c.email, 'marketing_consent', false, 'status', 'active',
    'custom_data', null, 'locale', 'en', 'import_meta', null,
    'created_at', pg_temp.paddle_time(c.created_at), 'updated_at', pg_temp.paddle_time(c.created_at)
  ) order by c.id)
  from (values
    ('ctm_01jdemoalice00000000000000', 'Alice', 'alice@example.com', date_trunc('second', now()) - interval '90 days'),
    ('ctm_01jdemobob0000000000000000', 'Bob', 'bob@example.com', date_trunc('second', now()) - interval '60 days'),
    ('ctm_01jdemodave000000000000000', 'Dave', 'dave@example.com', date_trunc('second', now()) - interval '30 days')
  ) as c (id, name, email, created_at)
));

-- Subscriptions as Paddle's API returns them, items with the full price and product objects.
-- Monthly plans: the current period is the month that contains today.
select public.apply_paddle_entities('subscription', (
  select jsonb_agg(jsonb_build_object(
    'id', s.id, 'status', 'active', 'customer_id', s.customer_id,
    'address_id', null, 'business_id', null, 'currency_code', 'USD',
    'created_at', pg_temp.paddle_time(s.created_at), 'updated_at', pg_temp.paddle_time(s.updated_at),
    'started_at', pg_temp.paddle_time(s.created_at), 'first_billed_at', pg_temp.paddle_time(s.created_at),
    'next_billed_at', case when s.change is null then pg_temp.paddle_time(s.period_end) else 'null' end,
    'paused_at', null, 'canceled_at', null, 'collection_mode', 'automatic', 'billing_details', null,
    'current_billing_period', jsonb_build_object(
      'starts_at', pg_temp.paddle_time(s.period_end - interval '1 month'),
      'ends_at', pg_temp.paddle_time(s.period_end)),
    'billing_cycle', jsonb_build_object('interval', 'month', 'frequency', 1),
    'scheduled_change', case when s.change is null then 'null' else jsonb_build_object(
      'action', s.change, 'effective_at', pg_temp.paddle_time(s.period_end), 'resume_at', null) end,
    'items', (
      select jsonb_agg(jsonb_build_object(
        'status', 'active', 'quantity', i.quantity, 'recurring', true,
        'created_at', pg_temp.paddle_time(s.created_at), 'updated_at', pg_temp.paddle_time(s.created_at),
        'previously_billed_at', pg_temp.paddle_time(s.period_end - interval '1 month'),
        'next_billed_at', case when s.change is null then pg_temp.paddle_time(s.period_end) else 'null' end,
        'trial_dates', null,
        'price', jsonb_build_object(
          'id', p.price_id, 'product_id', p.product_id, 'type', p.type, 'description', p.description,
          'name', p.name, 'tax_mode', p.tax_mode,
          'billing_cycle', jsonb_build_object('interval', p.billing_cycle_interval, 'frequency', p.billing_cycle_frequency),
          'trial_period', null,
          'unit_price', jsonb_build_object('amount', p.unit_price_amount::text, 'currency_code', p.unit_price_currency),
          'unit_price_overrides', '[]'::jsonb,
          'quantity', jsonb_build_object('minimum', p.quantity_minimum, 'maximum', p.quantity_maximum),
          'status', p.status, 'custom_data', p.custom_data, 'import_meta', p.import_meta,
          'created_at', pg_temp.paddle_time(p.created_at), 'updated_at', pg_temp.paddle_time(p.updated_at)),
        'product', jsonb_build_object(
          'id', pr.product_id, 'name', pr.name, 'type', pr.type, 'tax_category', pr.tax_category,
          'description', pr.description, 'image_url', pr.image_url, 'custom_data', pr.custom_data,
          'status', pr.status, 'import_meta', pr.import_meta,
          'created_at', pg_temp.paddle_time(pr.created_at), 'updated_at', pg_temp.paddle_time(pr.updated_at))
      ) order by i.position)
      from jsonb_to_recordset(s.items) as i (position integer, price_id text, quantity integer)
      join public.prices p on p.price_id = i.price_id
      join public.products pr on pr.product_id = p.product_id
    ),
    'custom_data', null, 'discount', null, 'import_meta', null
  ) order by s.id)
  from (
    select v.*,
           -- The next monthly anniversary of the start, after today.
           v.created_at + make_interval(months => (
             extract(year from age(now(), v.created_at)) * 12 + extract(month from age(now(), v.created_at)) + 1
           )::integer) as period_end
    from (values
      ('sub_01jdemoalicesub10000000000', 'ctm_01jdemoalice00000000000000',
       date_trunc('second', now()) - interval '80 days', date_trunc('second', now()) - interval '20 days', null,
       '[{"position": 1, "price_id": "pri_01jdemopricepro00000000000", "quantity": 1},
         {"position": 2, "price_id": "pri_01jdemopriceseats000000000", "quantity": 3}]'::jsonb),
      ('sub_01jdemoalicesub20000000000', 'ctm_01jdemoalice00000000000000',
       date_trunc('second', now()) - interval '10 days', date_trunc('second', now()) - interval '2 days', 'cancel',
       '[{"position": 1, "price_id": "pri_01jdemopricebasic000000000", "quantity": 1}]'::jsonb),
      ('sub_01jdemodavesub100000000000', 'ctm_01jdemodave000000000000000',
       date_trunc('second', now()) - interval '25 days', date_trunc('second', now()) - interval '25 days', null,
       '[{"position": 1, "price_id": "pri_01jdemopricepro00000000000", "quantity": 1}]'::jsonb)
    ) as v (id, customer_id, created_at, updated_at, change, items)
  ) s
));

-- Past payments, as Paddle's API returns completed transactions: each subscription's first
-- payment and every monthly renewal since, billed on its period's first day, with an invoice
-- number (numbered account-wide in billing order, as Paddle numbers them) and a captured card
-- payment. Through the same write path as the sync; the ids are fixed per (subscription, month),
-- so the simulator, which builds its account from these rows, holds the same transactions.
with billed as (
  select s.subscription_id, s.customer_id, s.currency_code, s.started_at, c.name as customer_name,
         g.n, g.starts_at, g.starts_at + interval '1 month' as ends_at,
         'txn_' || substr(s.subscription_id, 5, 16) || lpad(g.n::text, 10, '0') as id,
         'inv_' || substr(s.subscription_id, 5, 16) || lpad(g.n::text, 10, '0') as invoice_id,
         a.amount
  from public.subscriptions s
  join public.customers c on c.customer_id = s.customer_id
  cross join lateral (
    select sum(p.unit_price_amount * i.quantity)::text as amount
    from public.subscription_items i join public.prices p on p.price_id = i.price_id
    where i.subscription_id = s.subscription_id
  ) a
  cross join lateral (
    select n, s.current_period_starts_at - make_interval(months => n) as starts_at
    from generate_series(0, 12) n
  ) g
  where s.customer_id in ('ctm_01jdemoalice00000000000000', 'ctm_01jdemodave000000000000000')
    and g.starts_at >= s.started_at
), t as (
  select b.*,
         'DEMO-' || lpad(row_number() over (order by b.starts_at, b.id)::text, 5, '0') as invoice_number,
         jsonb_build_object('subtotal', b.amount, 'discount', '0', 'tax', '0', 'total', b.amount,
                            'credit', '0', 'credit_to_balance', '0', 'balance', '0',
                            'grand_total', b.amount, 'fee', '0', 'earnings', b.amount,
                            'currency_code', b.currency_code) as totals
  from billed b
)
select public.apply_paddle_entities('transaction', (
  select jsonb_agg(jsonb_build_object(
    'id', t.id, 'status', 'completed', 'customer_id', t.customer_id, 'address_id', null,
    'business_id', null, 'custom_data', null, 'currency_code', t.currency_code,
    'origin', case when t.starts_at = t.started_at then 'web' else 'subscription_recurring' end,
    'subscription_id', t.subscription_id, 'invoice_id', t.invoice_id, 'invoice_number', t.invoice_number,
    'collection_mode', 'automatic', 'discount_id', null, 'billing_details', null,
    'billing_period', jsonb_build_object(
      'starts_at', pg_temp.paddle_time(t.starts_at), 'ends_at', pg_temp.paddle_time(t.ends_at)),
    'items', (
      select jsonb_agg(jsonb_build_object(
        'price', jsonb_build_object(
          'id', p.price_id, 'product_id', p.product_id, 'type', p.type, 'description', p.description,
          'name', p.name, 'tax_mode', p.tax_mode,
          'billing_cycle', jsonb_build_object('interval', p.billing_cycle_interval, 'frequency', p.billing_cycle_frequency),
          'trial_period', null,
          'unit_price', jsonb_build_object('amount', p.unit_price_amount::text, 'currency_code', p.unit_price_currency),
          'unit_price_overrides', '[]'::jsonb,
          'quantity', jsonb_build_object('minimum', p.quantity_minimum, 'maximum', p.quantity_maximum),
          'status', p.status, 'custom_data', p.custom_data, 'import_meta', p.import_meta,
          'created_at', pg_temp.paddle_time(p.created_at), 'updated_at', pg_temp.paddle_time(p.updated_at)),
        'quantity', i.quantity, 'proration', null
      ) order by i.price_id collate "C")
      from public.subscription_items i
      join public.prices p on p.price_id = i.price_id
      where i.subscription_id = t.subscription_id
    ),
    'details', jsonb_build_object(
      'tax_rates_used', '[]'::jsonb,
      'totals', t.totals, 'adjusted_totals', t.totals,
      'payout_totals', null, 'adjusted_payout_totals', null,
      'line_items', (
        select jsonb_agg(jsonb_build_object(
          'id', 'txnitm_' || substr(md5(t.id || i.price_id), 1, 26), 'price_id', i.price_id,
          'quantity', i.quantity, 'proration', null, 'tax_rate', '0',
          'unit_totals', jsonb_build_object('subtotal', p.unit_price_amount::text, 'discount', '0',
                                            'tax', '0', 'total', p.unit_price_amount::text),
          'totals', jsonb_build_object('subtotal', (p.unit_price_amount * i.quantity)::text, 'discount', '0',
                                       'tax', '0', 'total', (p.unit_price_amount * i.quantity)::text),
          'product', jsonb_build_object(
            'id', pr.product_id, 'name', pr.name, 'type', pr.type, 'tax_category', pr.tax_category,
            'description', pr.description, 'image_url', pr.image_url, 'custom_data', pr.custom_data,
            'status', pr.status, 'import_meta', pr.import_meta,
            'created_at', pg_temp.paddle_time(pr.created_at), 'updated_at', pg_temp.paddle_time(pr.updated_at))
        ) order by i.price_id collate "C")
        from public.subscription_items i
        join public.prices p on p.price_id = i.price_id
        join public.products pr on pr.product_id = p.product_id
        where i.subscription_id = t.subscription_id
      )),
    'payments', jsonb_build_array(jsonb_build_object(
      'payment_attempt_id', gen_random_uuid()::text, 'stored_payment_method_id', gen_random_uuid()::text,
      'payment_method_id', 'paymtd_' || substr(md5(t.customer_id), 1, 26),
      'amount', t.amount, 'status', 'captured', 'error_code', null,
      'method_details', jsonb_build_object('type', 'card', 'card', jsonb_build_object(
        'type', 'visa', 'last4', case when t.customer_id like '%alice%' then '4242' else '1881' end,
        'expiry_month', 12, 'expiry_year', 2030, 'cardholder_name', t.customer_name)),
      'created_at', pg_temp.paddle_time(t.starts_at), 'captured_at', pg_temp.paddle_time(t.starts_at))),
    'checkout', jsonb_build_object('url', null),
    'created_at', pg_temp.paddle_time(t.starts_at), 'updated_at', pg_temp.paddle_time(t.starts_at),
    'billed_at', pg_temp.paddle_time(t.starts_at), 'revised_at', null
  ) order by t.id)
  from t
));

-- Local prices, as a seller sets them in Paddle (price overrides): every recurring USD price of
-- the demo catalog gets a euro price in the euro area (90% of the dollar amount, rounded down)
-- and a pound price in the United Kingdom (80%). Sent as Paddle would send the edited prices (a
-- newer updated_at, fixed like the catalog's times) through the same apply function; it picks the
-- prices by what they are, not by id, so a new demo catalog gets them too. The tests' copy of the
-- demo catalog (local/paddle_webhooks/payloads.ts, demoPriceOverrides) says the same.
select public.apply_paddle_entities('price', (
  select jsonb_agg(jsonb_build_object(
    'id', p.price_id, 'product_id', p.product_id, 'type', p.type, 'description', p.description,
    'name', p.name, 'tax_mode', p.tax_mode,
    'billing_cycle', jsonb_build_object('interval', p.billing_cycle_interval, 'frequency', p.billing_cycle_frequency),
    'trial_period', case when p.trial_period_interval is null then null else jsonb_build_object(
      'interval', p.trial_period_interval, 'frequency', p.trial_period_frequency) end,
    'unit_price', jsonb_build_object('amount', p.unit_price_amount::text, 'currency_code', p.unit_price_currency),
    'unit_price_overrides', jsonb_build_array(
      jsonb_build_object(
        'country_codes', '["AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PT", "SI", "SK"]'::jsonb,
        'unit_price', jsonb_build_object('amount', trunc(p.unit_price_amount * 9 / 10)::bigint::text, 'currency_code', 'EUR')),
      jsonb_build_object(
        'country_codes', '["GB"]'::jsonb,
        'unit_price', jsonb_build_object('amount', trunc(p.unit_price_amount * 8 / 10)::bigint::text, 'currency_code', 'GBP'))),
    'quantity', jsonb_build_object('minimum', p.quantity_minimum, 'maximum', p.quantity_maximum),
    'status', p.status, 'custom_data', p.custom_data, 'import_meta', p.import_meta,
    'created_at', pg_temp.paddle_time(p.created_at),
    'updated_at', pg_temp.paddle_time(greatest(p.updated_at + interval '1 second', '2026-01-06T09:00:00Z'))
  ) order by p.price_id)
  from public.prices p
  where p.unit_price_currency = 'USD' and p.billing_cycle_interval is not null and p.status = 'active'
));
