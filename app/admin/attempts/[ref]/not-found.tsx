import { NoticePage } from "../../_ui/notice";
import { LookupForm } from "../../lookup/lookup-form";

export default function AttemptNotFound() {
  return (
    <NoticePage
      title="No attempt with that reference code"
      form={<LookupForm />}
      next={{ href: "/admin/records", label: "Search the records instead" }}
      testId="attempt-not-found"
    >
      Reference codes look like <code className="font-mono">IDV-7K3M-Q9XZ</code>. Check it with the person; spaces, lower case and O for 0
      are fine.
    </NoticePage>
  );
}
