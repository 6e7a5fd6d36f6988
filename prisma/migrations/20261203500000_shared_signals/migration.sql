-- OpenID Shared Signals receiver (issue 13): the transmitters admins trust and the
-- Security Event Tokens received from them (one row per jti: a replay changes nothing).
CREATE TABLE "signal_transmitter" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "jwks_url" TEXT NOT NULL,
    "audience" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "signal_transmitter_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "signal_transmitter_issuer_key" ON "signal_transmitter"("issuer");

CREATE TABLE "signal_event" (
    "id" BIGSERIAL NOT NULL,
    "transmitter_id" TEXT NOT NULL,
    "jti" TEXT NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "event_types" TEXT[],
    "outcome" TEXT NOT NULL,
    "revoked" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "signal_event_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "signal_event_transmitter_id_jti_key" ON "signal_event"("transmitter_id", "jti");
CREATE INDEX "signal_event_received_at_idx" ON "signal_event"("received_at");
ALTER TABLE "signal_event" ADD CONSTRAINT "signal_event_transmitter_id_fkey" FOREIGN KEY ("transmitter_id") REFERENCES "signal_transmitter"("id") ON DELETE CASCADE ON UPDATE CASCADE;
