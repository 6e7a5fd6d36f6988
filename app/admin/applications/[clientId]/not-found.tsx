import Link from "next/link";

export default function ApplicationNotFound() {
  return (
    <div className="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-6">
      <h1 className="text-xl font-semibold">Application not registered</h1>
      <p className="mt-2 text-slate-700">
        No application with this client id is registered in the portal (it may just have been deleted). Its logins use the global settings.
      </p>
      <p className="mt-4">
        <Link href="/admin/applications" className="underline">
          Go to applications
        </Link>
      </p>
    </div>
  );
}
