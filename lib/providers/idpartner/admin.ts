"use server";

import { changes } from "../../audit";
import { jwksUrl, providerSettingRow, sealPrivateKey, sealProviderSecret } from "../../settings";
import { ActionFailure, staffFormAction } from "../../staff/guard";
import { generateClientKey } from "../oidc/keys";
import { idpartnerConfigSchema } from "./config";
import { idpartnerFormSchema } from "./form";
import { IDPARTNER_ALG } from "./index";

const IDPARTNER = "idpartner";

export interface IdpartnerSaved {
  changed: string[];
  /** The JWKS URL to register at IDPartner when the portal has a key. */
  jwksUrl: string | null;
}

/**
 * Saves IDPartner's relying-party settings (provider_setting.config) and, for mutual TLS,
 * the certificate's private key (sealed in the connection's secret slot, write-only). The
 * portal makes its own PS256 key the first time a method other than client_secret_basic is
 * chosen (request objects, private_key_jwt, encrypted answers), and keeps it after.
 */
export const saveIdpartnerSettings = staffFormAction(
  "provider.idpartner.save",
  "admin",
  idpartnerFormSchema,
  async (_staff, input, { tx, audit }): Promise<IdpartnerSaved> => {
    const before = await providerSettingRow(IDPARTNER, tx);
    if (!before) throw new ActionFailure("invalid", "Save the IDPartner connection (client id) above first.");
    const { tlsKeySecret, ...rest } = input;
    if (input.auth === "tls_client_auth" && !tlsKeySecret && !before.clientSecretEnc)
      throw new ActionFailure("invalid", "Some fields need attention.", {
        tlsKeySecret: ["Mutual TLS needs the certificate's private key."],
      });
    const old = idpartnerConfigSchema.parse(before.config ?? {});
    const config = { ...rest };
    const usesKey = input.auth !== "client_secret_basic" || input.encryptResponses;
    const privateKeyEnc = before.privateKeyEnc ?? (usesKey ? sealPrivateKey(IDPARTNER, await generateClientKey(IDPARTNER_ALG)) : null);
    const diff = changes(
      { ...old, allowedIssuers: old.allowedIssuers.join(" "), tlsKey: null, signingKey: before.privateKeyEnc ? "generated" : null },
      {
        ...config,
        allowedIssuers: config.allowedIssuers.join(" "),
        tlsKey: tlsKeySecret ? "replaced" : null,
        signingKey: privateKeyEnc ? "generated" : null,
      },
    );
    if (Object.keys(diff).length) {
      await tx.providerSetting.update({
        where: { provider: IDPARTNER },
        data: {
          config,
          privateKeyEnc,
          ...(tlsKeySecret ? { clientSecretEnc: sealProviderSecret(IDPARTNER, tlsKeySecret), clientSecretAad: null } : {}),
        },
      });
      await audit("settings.update", { target: `provider:${IDPARTNER}`, details: diff });
    }
    return { changed: Object.keys(diff), jwksUrl: privateKeyEnc ? jwksUrl() : null };
  },
);
