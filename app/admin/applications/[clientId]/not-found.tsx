import { NoticePage } from "../../_ui/notice";

export default function ApplicationNotFound() {
  return (
    <NoticePage title="Application not registered" next={{ href: "/admin/applications", label: "Go to applications" }}>
      No application with this client id is registered in the portal (it may just have been deleted). Its logins use the global settings.
    </NoticePage>
  );
}
