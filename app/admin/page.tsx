import { redirect } from "next/navigation";
import { guardPage } from "@/lib/staff/guard";

export default async function AdminHome() {
  await guardPage("support", "/admin");
  redirect("/admin/records");
}
