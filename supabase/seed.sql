-- Demo data for local development (`deno task dev`, `supabase db reset`).
-- Every demo user's password is `demo-password` (see README). Never seed production.
--
--   alice@example.com  customer, two active subscriptions
--   bob@example.com    customer, no subscription
--   carol@example.com  no customer (has never checked out)
--   dave@example.com   customer, one active subscription (isolation checks against alice)
--   erin@example.com   email never confirmed, no customer

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

insert into public.customers (customer_id, user_id, email, created_at) values
  ('ctm_01jdemoalice00000000000000', 'a11ce000-0000-4000-8000-000000000001', 'alice@example.com', now() - interval '90 days'),
  ('ctm_01jdemobob0000000000000000', 'b0b00000-0000-4000-8000-000000000002', 'bob@example.com', now() - interval '60 days'),
  ('ctm_01jdemodave000000000000000', 'da7e0000-0000-4000-8000-000000000004', 'dave@example.com', now() - interval '30 days');

insert into public.subscriptions (
  subscription_id, customer_id, status, price_id, product_id,
  scheduled_change_action, scheduled_change_effective_at, created_at
) values
  ('sub_01jdemoalicesub10000000000', 'ctm_01jdemoalice00000000000000', 'active',
   'pri_01jdemopricepro00000000000', 'pro_01jdemoproduct000000000000', null, null, now() - interval '80 days'),
  ('sub_01jdemoalicesub20000000000', 'ctm_01jdemoalice00000000000000', 'active',
   'pri_01jdemopricebasic000000000', 'pro_01jdemoproduct000000000000',
   'cancel', date_trunc('day', now()) + interval '20 days', now() - interval '10 days'),
  ('sub_01jdemodavesub100000000000', 'ctm_01jdemodave000000000000000', 'active',
   'pri_01jdemopricepro00000000000', 'pro_01jdemoproduct000000000000', null, null, now() - interval '25 days');
