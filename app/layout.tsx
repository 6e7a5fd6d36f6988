import type { Metadata, Viewport } from "next";
import { headers } from "next/headers";
import { connection } from "next/server";
import { DEFAULT_LOCALE, requestLocale } from "@/lib/flow/locale";
import { AREA_HEADER } from "@/lib/security/headers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Identity Verification Portal", template: "%s · Identity Verification Portal" },
  description: "Verifies people for Auth0 logins with ID.me.",
  referrer: "no-referrer",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page is rendered per request, so Next.js can put the request's CSP nonce (proxy.ts) on its scripts.
  await connection();
  // A person's pages are in their language (lib/flow/locale.ts), the staff pages in English.
  const lang = (await headers()).get(AREA_HEADER) === "person" ? await requestLocale() : DEFAULT_LOCALE;
  return (
    <html lang={lang}>
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">{children}</body>
    </html>
  );
}
