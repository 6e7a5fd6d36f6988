-- Issue 9: every attempt bound to its browser and its Action token used once;
-- rate limits kept in the database so that every instance shares them.

-- The browser that opened the attempt, and what its consent page shows.
ALTER TABLE "attempt" ADD COLUMN "browser_hash" TEXT;
ALTER TABLE "attempt" ADD COLUMN "account_hint" TEXT;
ALTER TABLE "attempt" ADD COLUMN "app_label" TEXT;

-- One use per Action token (the primary key makes two simultaneous arrivals one winner).
CREATE TABLE "entry_token" (
    "fingerprint" TEXT NOT NULL,
    "attempt_id" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "entry_token_pkey" PRIMARY KEY ("fingerprint")
);
CREATE INDEX "entry_token_expires_at_idx" ON "entry_token"("expires_at");

-- rate-limiter-flexible's Prisma store. Created here, not at run time, so that a
-- fresh deployment's instances never race to create it.
CREATE TABLE "rate_limit" (
    "key" TEXT NOT NULL,
    "points" INTEGER NOT NULL,
    "expire" TIMESTAMPTZ(3),

    CONSTRAINT "rate_limit_pkey" PRIMARY KEY ("key")
);
CREATE INDEX "rate_limit_expire_idx" ON "rate_limit"("expire");

-- Refused requests, counted per limiter and hour.
CREATE TABLE "rate_limit_refusal" (
    "limiter" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "rate_limit_refusal_pkey" PRIMARY KEY ("limiter", "window_start")
);
