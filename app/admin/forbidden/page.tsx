import Link from "next/link";

export const metadata = { title: "Not allowed" };

export default function Forbidden() {
  return (
    <div className="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-6">
      <h1 className="text-xl font-semibold">Not allowed for your role</h1>
      <p className="mt-2 text-slate-700">This page is for administrators. Support staff can look up records and attempts.</p>
      <p className="mt-4">
        <Link href="/admin/records" className="underline">
          Go to records
        </Link>
      </p>
    </div>
  );
}
