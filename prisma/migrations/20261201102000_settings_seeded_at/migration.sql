-- When a settings row was copied from the environment (at start, lib/settings/seed.ts);
-- null for rows entered by an admin, or made before this was recorded. The admin
-- settings page says where each value in force came from.
ALTER TABLE "settings" ADD COLUMN "seeded_at" TIMESTAMPTZ(3);

ALTER TABLE "provider_setting" ADD COLUMN "seeded_at" TIMESTAMPTZ(3);
