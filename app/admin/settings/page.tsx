import type { Metadata } from "next";
import Link from "next/link";
import { guardPage } from "@/lib/staff/guard";
import { globalSettings } from "@/lib/settings";
import { callbackUrl } from "@/lib/flow";
import { Card, fmtDate, PageHeader } from "../_ui/kit";
import { SettingsForm } from "./settings-form";

export const metadata: Metadata = { title: "Settings" };

// The ID.me integration as seed 000 describes it (type, environment, "Timestamp",
// client id/secret, scopes), for every login; applications may override parts of it.
export default async function SettingsPage() {
  await guardPage("admin", "/admin/settings");
  const s = await globalSettings();
  return (
    <div className="mx-auto max-w-3xl">
      <PageHeader title="Settings" description="How the portal verifies people with ID.me, for every login. Applications can override the policy, scopes, group and interval." />
      <Card>
        <p className="mb-6 text-sm text-slate-600">
          Last changed {fmtDate(s.updatedAt)}. Redirect URI to register at ID.me:{" "}
          <span className="break-all font-mono text-xs text-slate-900">{callbackUrl()}</span>. Per-application requirements:{" "}
          <Link href="/admin/applications" className="underline">
            Applications
          </Link>
          .
        </p>
        <SettingsForm
          initial={{
            verificationType: s.verificationType,
            environment: s.environment === "production" ? "production" : "sandbox",
            baseUrl: s.baseUrl,
            clientId: s.clientId,
            secretSet: Boolean(s.clientSecretEnc),
            scopes: s.scopes,
            requiredGroup: s.requiredGroup,
            reverifyIntervalHours: s.reverifyIntervalHours,
            returnMethod: s.returnMethod === "get" ? "get" : "post",
          }}
        />
      </Card>
    </div>
  );
}
