-- Branding and help shown on the person's pages of an application.
ALTER TABLE "application" ADD COLUMN "logo_url" TEXT;
ALTER TABLE "application" ADD COLUMN "accent_color" TEXT;
ALTER TABLE "application" ADD COLUMN "support_contact" TEXT;
ALTER TABLE "application" ADD COLUMN "privacy_url" TEXT;
