import Link from "next/link";
import type { Metadata } from "next";
import { currentStaff } from "@/lib/staff/session";
import { staffSignInConfigured } from "@/lib/staff/auth0";
import { env } from "@/lib/env";
import { StaffNav } from "./_ui/nav";

// Staff pages depend on the session and the database: never prerendered.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: { default: "Admin", template: "%s · Admin · Identity Verification Portal" } };

const NAV = [
  { href: "/admin/dashboard", label: "Dashboard", role: "support" },
  { href: "/admin/failures", label: "Failures", role: "support" },
  { href: "/admin/records", label: "Records", role: "support" },
  { href: "/admin/people", label: "People", role: "support" },
  { href: "/admin/applications", label: "Applications", role: "admin" },
  { href: "/admin/settings", label: "Settings", role: "admin" },
  { href: "/admin/signals", label: "Signals", role: "admin" },
  { href: "/admin/webhooks", label: "Webhooks", role: "support" },
  { href: "/admin/audit", label: "Audit log", role: "admin" },
] as const;

// The frame of the staff pages. Shows, never decides: every page checks access itself (lib/staff/guard).
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const staff = staffSignInConfigured() ? await currentStaff() : null;
  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only rounded-md bg-white px-3 py-2 text-sm font-semibold text-brand-900 focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:ring-2 focus:ring-brand-600"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/admin" className="flex items-center gap-2 font-semibold text-brand-900">
            <svg aria-hidden="true" viewBox="0 0 24 24" className="h-6 w-6 fill-brand-600">
              <path d="M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5l-8-3Zm-1.2 14.2-3.5-3.5 1.4-1.4 2.1 2.1 4.9-4.9 1.4 1.4-6.3 6.3Z" />
            </svg>
            Verification Portal
          </Link>
          {staff?.role ? (
            <StaffNav
              items={NAV.filter((n) => n.role === "support" || staff.role === "admin").map(({ href, label }) => ({ href, label }))}
            />
          ) : null}
          {staff?.role ? (
            <form action="/admin/lookup" method="get" role="search" className="ml-auto flex items-center gap-2">
              <label htmlFor="ref-search" className="sr-only">
                Reference code
              </label>
              <input
                id="ref-search"
                name="ref"
                placeholder="Reference code, e.g. IDV-7K3M-Q9XZ"
                className="w-56 rounded-md border border-slate-300 px-2.5 py-1.5 text-sm"
              />
              <button className="rounded-md border border-slate-300 px-2.5 py-1.5 text-sm hover:bg-slate-50">Find</button>
            </form>
          ) : null}
          {staff ? (
            <div className="flex items-center gap-3 text-sm text-slate-600">
              <span data-testid="staff-identity">
                {staff.email ?? staff.name ?? staff.id}
                {staff.role ? ` · ${staff.role}` : ""}
              </span>
              {/* Ends at the portal's signed-out page: an Allowed Logout URL of the staff application in Auth0 (README). */}
              <a href={`/auth/logout?returnTo=${encodeURIComponent(`${env().PORTAL_URL}/signed-out`)}`} className="underline">
                Sign out
              </a>
            </div>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-6 focus:outline-none">
        {children}
      </main>
    </div>
  );
}
