import { NoticePage } from "../../_ui/notice";

export default function RecordNotFound() {
  return (
    <NoticePage title="No such record" next={{ href: "/admin/records", label: "Search the records" }}>
      There is no verification record with that id. It may have been typed wrong.
    </NoticePage>
  );
}
