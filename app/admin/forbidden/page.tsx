import { NoticePage } from "../_ui/notice";

export const metadata = { title: "Not allowed" };

export default function Forbidden() {
  return (
    <NoticePage title="Not allowed for your role" next={{ href: "/admin/records", label: "Go to records" }}>
      This page is for administrators. Support staff can look up records and attempts.
    </NoticePage>
  );
}
