/** The demo users `supabase/seed.sql` creates; their ids are read back from the database. */
export const DEMO_PASSWORD = "demo-password";

export const DEMO_EMAILS = [
  "alice@example.com",
  "bob@example.com",
  "carol@example.com",
  "dave@example.com",
  "erin@example.com",
] as const;
