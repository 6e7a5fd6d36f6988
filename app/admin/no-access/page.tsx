import { currentStaff } from "@/lib/staff/session";
import { staffSignInConfigured } from "@/lib/staff/auth0";

export const metadata = { title: "No access" };

export default async function NoAccess() {
  const configured = staffSignInConfigured();
  const staff = configured ? await currentStaff() : null;
  return (
    <div className="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-6">
      <h1 className="text-xl font-semibold">No access</h1>
      {!configured ? (
        <p className="mt-2 text-slate-700">
          Staff sign-in is not configured on this portal (STAFF_CLIENT_ID, STAFF_CLIENT_SECRET, STAFF_SESSION_SECRET).
        </p>
      ) : (
        <p className="mt-2 text-slate-700">
          You are signed in{staff?.email ? ` as ${staff.email}` : ""}, but you have no role in this portal. Ask an administrator to give you
          the <code>idv-support</code> or <code>idv-admin</code> role in Auth0.
        </p>
      )}
    </div>
  );
}
