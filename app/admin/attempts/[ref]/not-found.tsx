import Link from "next/link";
import { LookupForm } from "../../lookup/lookup-form";

export default function AttemptNotFound() {
  return (
    <div className="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-6" data-testid="attempt-not-found">
      <h1 className="text-xl font-semibold">No attempt with that reference code</h1>
      <p className="mt-2 text-slate-700">
        Reference codes look like <code className="font-mono">IDV-7K3M-Q9XZ</code>. Check it with the person; spaces, lower case and O for 0
        are fine.
      </p>
      <div className="mt-4">
        <LookupForm />
      </div>
      <p className="mt-4 text-sm">
        <Link href="/admin/records" className="underline">
          Search the records instead
        </Link>
      </p>
    </div>
  );
}
