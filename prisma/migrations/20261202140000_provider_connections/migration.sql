-- Every provider's connection is its provider_setting row (issue 14): the
-- provider's own settings as JSON (ID.me's environment, the OpenID Connect
-- provider's issuer set-up), an optional sealed signing key (private_key_jwt),
-- and no client secret for a provider that authenticates by that key.
ALTER TABLE "provider_setting" ADD COLUMN "config" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "provider_setting" ADD COLUMN "private_key_enc" TEXT;
-- The binding a sealed secret was made with, when it is not the row's own
-- (provider_setting.<provider>.client_secret): ID.me's secret below keeps the one
-- it was sealed with in the settings row until an admin replaces it.
ALTER TABLE "provider_setting" ADD COLUMN "client_secret_aad" TEXT;
ALTER TABLE "provider_setting" ALTER COLUMN "client_secret_enc" DROP NOT NULL;

-- ID.me's connection, carried over from the global settings row with its provenance.
INSERT INTO "provider_setting" ("provider", "base_url", "client_id", "client_secret_enc", "client_secret_aad", "config", "seeded_at", "updated_at")
SELECT 'idme', "base_url", "client_id", "client_secret_enc", 'settings.client_secret',
       jsonb_build_object('environment', "environment"), "seeded_at", "updated_at"
FROM "settings" WHERE "id" = 1
ON CONFLICT ("provider") DO NOTHING;

-- The global settings now hold requirements only. The old connection columns stay,
-- nullable and no longer read or written, so an instance of the previous release
-- running during a rolling upgrade still reads its row; a later release drops them.
ALTER TABLE "settings" ALTER COLUMN "environment" DROP NOT NULL;
ALTER TABLE "settings" ALTER COLUMN "client_id" DROP NOT NULL;
ALTER TABLE "settings" ALTER COLUMN "client_secret_enc" DROP NOT NULL;
