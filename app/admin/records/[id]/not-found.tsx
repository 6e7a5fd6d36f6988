import Link from "next/link";

export default function RecordNotFound() {
  return (
    <div className="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-6">
      <h1 className="text-xl font-semibold">No such record</h1>
      <p className="mt-2 text-slate-700">There is no verification record with that id. It may have been typed wrong.</p>
      <p className="mt-4">
        <Link href="/admin/records" className="underline">
          Search the records
        </Link>
      </p>
    </div>
  );
}
