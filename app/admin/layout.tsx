import Link from "next/link";
import type { Metadata } from "next";
import { currentStaff } from "@/lib/staff/session";
import { staffSignInConfigured } from "@/lib/staff/auth0";

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
  { href: "/admin/audit", label: "Audit log", role: "admin" },
] as const;

// The frame of the staff pages. Shows, never decides: every page checks access itself (lib/staff/guard).
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const staff = staffSignInConfigured() ? await currentStaff() : null;
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
          <Link href="/admin" className="flex items-center gap-2 font-semibold text-brand-900">
            <svg aria-hidden="true" viewBox="0 0 24 24" className="h-6 w-6 fill-brand-600">
              <path d="M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5l-8-3Zm-1.2 14.2-3.5-3.5 1.4-1.4 2.1 2.1 4.9-4.9 1.4 1.4-6.3 6.3Z" />
            </svg>
            Verification Portal
          </Link>
          {staff?.role ? (
            <nav aria-label="Admin" className="flex flex-wrap gap-1 text-sm">
              {NAV.filter((n) => n.role === "support" || staff.role === "admin").map((n) => (
                <Link key={n.href} href={n.href} className="rounded-md px-2.5 py-1.5 text-slate-700 hover:bg-slate-100">
                  {n.label}
                </Link>
              ))}
            </nav>
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
              <a href="/auth/logout" className="underline">
                Sign out
              </a>
            </div>
          ) : null}
        </div>
      </header>
      <div className="mx-auto max-w-6xl px-4 py-6">{children}</div>
    </div>
  );
}
