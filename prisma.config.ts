import { defineConfig } from "prisma/config";

// Only `prisma generate` (and `prisma migrate deploy` where its engine can be
// downloaded) read this file; the portal applies migrations itself.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/idv" },
});
