import type { Metadata } from "next";
import Link from "next/link";
import { guardPage } from "@/lib/staff/guard";
import { connectionFor, globalSettings, jwksUrl, providerSettingRow } from "@/lib/settings";
import { OIDC_PROVIDER_ID } from "@/lib/providers/oidc";
import type { OidcConfig } from "@/lib/providers/oidc/config";
import { OidcProviderForm } from "./oidc-form";
import { idmeProvenance, idpartnerProvenance } from "@/lib/settings/provenance";
import { callbackUrl } from "@/lib/flow";
import { DEFAULT_BASE_URL as IDPARTNER_DEFAULT_BASE_URL } from "@/lib/providers/idpartner/paths";
import { idpartnerConfigSchema } from "@/lib/providers/idpartner/config";
import { VERIFIED_RULE as IDPARTNER_VERIFIED_RULE } from "@/lib/providers/idpartner/verified";
import { IdpartnerSettingsForm } from "./idpartner-form";
import { log } from "@/lib/log";
import { providerFor, providerIds } from "@/lib/providers";
import { Card, PageHeader } from "../_ui/kit";
import { SettingsForm } from "./settings-form";
import { IdmeConnectionForm, ProviderConnectionForm } from "./provider-form";
import { Provenance } from "./_components/provenance";
import { Time } from "../_ui/time";
import { RetentionSection } from "./retention-section";

export const metadata: Metadata = { title: "Settings" };

// The global requirements (type, scopes, group, "Timestamp"), for every login; applications
// may override parts of them. Then each provider's connection, each its own form.
export default async function SettingsPage() {
  await guardPage("admin", "/admin/settings");
  const s = await globalSettings();
  const [idme, oidc] = await Promise.all([providerSettingRow("idme"), providerSettingRow(OIDC_PROVIDER_ID)]);
  const idpartner = await idpartnerRow();
  const [idmeSources, idpartnerSources] = await Promise.all([idmeProvenance(), idpartner.unreadable ? null : idpartnerProvenance()]);
  return (
    <div className="mx-auto max-w-3xl">
      <PageHeader
        title="Settings"
        description="How the portal verifies people, for every login, and how it reaches each provider. Applications can override the provider, policy, scopes, group and interval."
      />
      <Card>
        <p className="mb-6 text-sm text-slate-600">
          What every login must prove, with which provider. Last changed <Time value={s.updatedAt} />. Per-application requirements:{" "}
          <Link href="/admin/applications" className="underline">
            Applications
          </Link>
          .
        </p>
        <SettingsForm
          initial={{
            verificationType: s.verificationType,
            provider: s.provider,
            providers: providerIds().map((id) => ({ id, name: providerFor(id).displayName })),
            scopes: s.scopes,
            requiredGroup: s.requiredGroup,
            reverifyIntervalHours: s.reverifyIntervalHours,
            returnMethod: s.returnMethod === "get" ? "get" : "post",
          }}
        />
      </Card>

      <div className="mt-8">
        <Card title="ID.me connection">
          <p className="mb-6 text-sm text-slate-600">
            {idme ? (
              <>
                Last changed <Time value={idme.updatedAt} />.
              </>
            ) : (
              "Not configured yet."
            )}{" "}
            Redirect URI to register at ID.me: <span className="break-all font-mono text-xs text-slate-900">{callbackUrl()}</span>.
          </p>
          <Provenance data={idmeSources} name="ID.me" />
          <IdmeConnectionForm
            initial={{
              environment: (idme?.config as { environment?: string } | null)?.environment === "production" ? "production" : "sandbox",
              baseUrl: idme?.baseUrl ?? null,
              clientId: idme?.clientId ?? "",
              secretSet: Boolean(idme?.clientSecretEnc),
            }}
          />
        </Card>
      </div>

      <div className="mt-8">
        <Card title="IDPartner connection">
          <p className="mb-6 text-sm text-slate-600">
            Used by applications set to IDPartner on the{" "}
            <Link href="/admin/applications" className="underline">
              Applications
            </Link>{" "}
            page.{" "}
            {idpartner.row ? (
              <>
                Last changed <Time value={idpartner.row.updatedAt} />.
              </>
            ) : (
              "Not configured yet."
            )}{" "}
            Redirect URI to register at IDPartner: <span className="break-all font-mono text-xs text-slate-900">{callbackUrl()}</span>.
          </p>
          {idpartner.unreadable ? (
            <p role="alert" className="mb-6 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
              The stored IDPartner secret cannot be opened (was ENCRYPTION_KEY changed?): IDPartner logins fail until you enter the secret
              again below.
            </p>
          ) : null}
          {idpartnerSources ? <Provenance data={idpartnerSources} name="IDPartner" /> : null}
          <ProviderConnectionForm
            defaultBaseUrl={IDPARTNER_DEFAULT_BASE_URL}
            initial={{
              clientId: idpartner.row?.clientId ?? "",
              baseUrl: idpartner.row?.baseUrl ?? null,
              secretSet: Boolean(idpartner.row?.clientSecretEnc),
            }}
          />
          <div className="mt-8 border-t border-slate-200 pt-6">
            <IdpartnerSettingsForm
              initial={{
                config: idpartnerConfigSchema.parse(idpartner.row?.config ?? {}),
                keySet: Boolean(idpartner.row?.clientSecretEnc),
                keyGenerated: Boolean(idpartner.row?.privateKeyEnc),
                jwksUrl: jwksUrl(),
                originUrl: `${callbackUrl().replace(/\/callback$/, "")}/bank`,
                redirectUri: callbackUrl(),
                rule: IDPARTNER_VERIFIED_RULE,
              }}
            />
          </div>
        </Card>
      </div>

      <div className="mt-8">
        <Card title="OpenID Connect provider">
          <p className="mb-6 text-sm text-slate-600">
            Any OpenID Connect identity service, set up here without code: choose it as the global provider above or per application on the{" "}
            <Link href="/admin/applications" className="underline">
              Applications
            </Link>{" "}
            page.{" "}
            {oidc ? (
              <>
                Last changed <Time value={oidc.updatedAt} />.
              </>
            ) : (
              "Not configured yet."
            )}
          </p>
          <OidcProviderForm
            initial={{
              issuer: oidc?.baseUrl ?? "",
              clientId: oidc?.clientId ?? "",
              secretSet: Boolean(oidc?.clientSecretEnc),
              keyGenerated: Boolean(oidc?.privateKeyEnc),
              config: (oidc?.config ?? {}) as Partial<OidcConfig>,
              jwksUrl: jwksUrl(),
              redirectUri: callbackUrl(),
            }}
          />
        </Card>
      </div>

      <div className="mt-8">
        <RetentionSection />
      </div>
    </div>
  );
}

/**
 * IDPartner's provider_setting row (made at start when IDPARTNER_* gives one);
 * a secret that cannot be opened is reported, not a broken page.
 */
async function idpartnerRow() {
  let unreadable = false;
  try {
    await connectionFor("idpartner");
  } catch (err) {
    unreadable = true;
    log("warn", "IDPartner connection unreadable", { step: "admin.settings", error: (err as Error)?.name });
  }
  const row = await providerSettingRow("idpartner");
  return { row, unreadable: unreadable && Boolean(row) };
}
