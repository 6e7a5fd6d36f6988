-- AlterTable
ALTER TABLE "application" ADD COLUMN "provider" TEXT;

-- CreateTable
CREATE TABLE "provider_setting" (
    "provider" TEXT NOT NULL,
    "base_url" TEXT,
    "client_id" TEXT NOT NULL,
    "client_secret_enc" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "provider_setting_pkey" PRIMARY KEY ("provider")
);
