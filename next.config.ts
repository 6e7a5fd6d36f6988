import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";

// The person's pages in their language (i18n/request.ts); no locale routing, staff pages stay English.
const withNextIntl = createNextIntlPlugin("./i18n/request.ts");

const config: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  devIndicators: false,
  // The deployable artifact: .next/standalone holds a server with only the files it needs
  // (deploy/assemble.mjs adds the static files and the shutdown-aware server, see README "Deploying").
  output: "standalone",
  // The portal applies prisma/migrations itself at start (lib/db/migrate.ts reads them from the
  // working directory), so they travel with the standalone server.
  outputFileTracingIncludes: { "/*": ["./prisma/migrations/**/*"] },
  // Native/WASM database drivers stay plain Node modules rather than bundled. prom-client and
  // OpenTelemetry keep one copy (one registry, one tracer provider) for the whole process.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "pglite-prisma-adapter",
    "pg",
    "@prisma/adapter-pg",
    "pg-boss",
    "prom-client",
    "@opentelemetry/api",
    "@opentelemetry/sdk-node",
    "@opentelemetry/exporter-trace-otlp-proto",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/exporter-trace-otlp-grpc",
  ],
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
};

export default withNextIntl(config);
