import type { Metadata } from "next";

export const metadata: Metadata = { title: "Signed out" };

/**
 * Where staff sign-out ends (/auth/logout?returnTo=…/signed-out): registered in the
 * staff application's Allowed Logout URLs in Auth0 (README). Offers signing in again.
 */
export default function SignedOut() {
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-4 py-12">
      <div className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
        <h1 className="text-2xl font-semibold tracking-tight">You are signed out</h1>
        <p className="mt-3 text-slate-700">You signed out of the Identity Verification Portal&apos;s staff pages.</p>
        <p className="mt-6">
          <a
            href="/auth/login?returnTo=%2Fadmin"
            className="inline-flex items-center justify-center rounded-md bg-brand-600 px-3.5 py-2 text-sm font-semibold text-white hover:bg-brand-700"
          >
            Sign in to the staff pages
          </a>
        </p>
      </div>
    </main>
  );
}
