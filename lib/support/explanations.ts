import { FAILURES, type FailureCode } from "../flow/states";

/**
 * Plain words for every failure code the flow can record: what happened,
 * and what the person or an admin can do about it. Support reads these next
 * to the technical code; a test proves no code is missing.
 */

export interface Explanation {
  /** What happened, in one sentence. */
  what: string;
  /** What to do about it. */
  next: string;
  /** Who can fix it. */
  who: "person" | "support" | "admin" | "provider" | "developer";
}

export const EXPLANATIONS: Record<FailureCode, Explanation> = {
  state_missing: {
    what: "Auth0 sent the person to the portal without its `state` parameter, so the login could not be resumed.",
    next: "Check that the Auth0 Action uses api.redirect.sendUserTo (which adds `state`); the person should sign in again.",
    who: "developer",
  },
  token_missing: {
    what: "The link from Auth0 had no token.",
    next: "The Action must send `token` (or `session_token`) made with api.redirect.encodeToken. The person should sign in again.",
    who: "developer",
  },
  token_malformed: {
    what: "The token from Auth0 was not a readable JWT (cut off or altered, for example by a link that was copied badly).",
    next: "Ask the person to sign in again from the application rather than reuse an old link.",
    who: "person",
  },
  token_alg_not_allowed: {
    what: "The token from Auth0 was not signed with HS256, the only algorithm the portal accepts (unsigned `none` tokens are always refused).",
    next: "The Action must use api.redirect.encodeToken. A token with another algorithm may be a forgery attempt: look at the Auth0 logs.",
    who: "developer",
  },
  token_signature_invalid: {
    what: "The token's signature did not match: the Token Secret in the Action and in the portal differ, or the token was altered.",
    next: "An admin must make TOKEN_SECRET in the Auth0 Action equal to the portal's AUTH0_TOKEN_SECRET. If they are equal, the token was tampered with.",
    who: "admin",
  },
  token_expired: {
    what: "The token from Auth0 had expired: the person took more than its lifetime (10 minutes) to arrive, or a clock is wrong.",
    next: "Ask the person to sign in again and go through without a long pause. If it happens to everyone, check the server clocks.",
    who: "person",
  },
  token_sub_missing: {
    what: "The token from Auth0 did not say which user is signing in (no `sub`).",
    next: "The Action must use api.redirect.encodeToken, which sets `sub` to the user id.",
    who: "developer",
  },
  token_iss_mismatch: {
    what: "The token was issued by another Auth0 domain than the one the portal is configured for.",
    next: "An admin must set the portal's AUTH0_DOMAIN to the tenant (or custom) domain the Action runs on.",
    who: "admin",
  },
  token_purpose_invalid: {
    what: "The token was made for another use (such as the Action's status check) and was presented at the verification link.",
    next: 'The Action must send a token with purpose "verify" (or none) to /id-verification. A status token at the link means someone copied it there: look at the Auth0 logs.',
    who: "developer",
  },
  token_state_mismatch: {
    what: "The token names one login (its `state` claim) but arrived with the state of another: a link pieced together from two logins.",
    next: "Ask the person to sign in again from the application. Repeated cases point to someone trying to verify one account with another's login: look at the attempts of that user.",
    who: "person",
  },
  token_ip_mismatch: {
    what: "The portal requires the browser's address to match the one Auth0 saw at sign-in (IDV_BIND_IP), and it did not: another device or network opened the link, or the address changed (mobile networks, VPNs, IPv6 privacy addresses).",
    next: "Ask the person to sign in again on one device and network. If it happens to many people, check TRUSTED_PROXY_HOPS (the portal may be reading a proxy's address) or turn IDV_BIND_IP off.",
    who: "person",
  },
  token_reused: {
    what: "The sign-in link from Auth0 had already been used once: each link opens one verification. It was reloaded from history, opened twice, or copied to someone else.",
    next: "Ask the person to sign in again from the application (a fresh link). A link used from two browsers can be an attack: compare with the attempt it first opened (named in the timeline).",
    who: "person",
  },
  declined_at_portal: {
    what: 'The person chose "Not now" on the portal\'s page instead of verifying.',
    next: "Nothing is broken. Ask them to try again when they are ready.",
    who: "person",
  },
  session_missing: {
    what: "The browser came back without the portal's cookie for this verification (a different browser or device, private mode, or cookies blocked).",
    next: "Ask the person to sign in again and finish the verification in the same browser, with cookies allowed.",
    who: "person",
  },
  state_mismatch: {
    what: "The answer from the provider did not belong to this verification (its `state` did not match): an old or copied link, two tabs, or a forged request.",
    next: "Ask the person to sign in again in one tab. Repeated cases from one person can be an attack: look at the attempts.",
    who: "person",
  },
  browser_mismatch: {
    what: "A step of this verification (the button, the way back from the provider, or the return to the application) came from a browser other than the one that opened it, so the portal refused it.",
    next: "Ask the person to sign in again and finish in the same browser. An answer from the provider arriving in another browser can mean a link was sent to someone else: look at the attempts around it.",
    who: "person",
  },
  provider_access_denied: {
    what: "The person declined at the provider (they did not agree to share their information), or the provider denied the request.",
    next: "Ask them to try again and accept sharing at the provider.",
    who: "person",
  },
  provider_invalid_scope: {
    what: "The provider refused a scope the portal asked for: it is unknown or not enabled for this client.",
    next: "An admin must fix the scopes in Settings (or the application's override) to ones enabled for this client at the provider.",
    who: "admin",
  },
  provider_invalid_client: {
    what: "The provider does not recognise the portal's client id.",
    next: "An admin must check the client id (and environment: sandbox or production) in Settings.",
    who: "admin",
  },
  provider_invalid_request: {
    what: "The provider found the portal's request malformed or missing a parameter.",
    next: "Check the scopes and settings; if they are right, report it to the developers with this reference code.",
    who: "developer",
  },
  provider_invalid_redirect_uri: {
    what: "The provider does not accept the portal's callback address.",
    next: "An admin must register <PORTAL_URL>/id-verification/callback as a redirect URI of the client at the provider.",
    who: "admin",
  },
  provider_unsupported_response_type: {
    what: "The provider does not support the response type the portal asked for.",
    next: "Report it to the developers with this reference code.",
    who: "developer",
  },
  provider_error: {
    what: "The provider answered with an error the portal does not know.",
    next: "Read the provider's description in the timeline; contact the provider's support if it persists.",
    who: "provider",
  },
  callback_code_missing: {
    what: "The provider sent the person back without a code or an error.",
    next: "Ask the person to try again; if it repeats, contact the provider.",
    who: "provider",
  },
  chooser_state_invalid: {
    what: "The answer of IDPartner's account selector (the bank the person chose) did not belong to this attempt: it came again, too late, or from another attempt.",
    next: "Ask the person to start again from the application and choose their bank once; a repeat from one browser can mean a replayed link.",
    who: "person",
  },
  bank_not_allowed: {
    what: "The bank the person chose is not on IDPartner's published list or the portal's allow list of bank issuers, so the portal did not go there.",
    next: "If the bank is genuine, an admin adds its issuer to the IDPartner allow list in Settings; otherwise nothing to do (the answer may have been forged).",
    who: "admin",
  },
  bank_unreachable: {
    what: "The bank the person chose (its OpenID provider) could not be reached: its discovery or pushed authorization request did not answer.",
    next: "Ask the person to try again later or choose another bank; check the bank's status with IDPartner support if it repeats.",
    who: "provider",
  },
  par_rejected: {
    what: "The bank refused the portal's pushed authorization request (an OAuth error such as invalid_client or invalid_request).",
    next: "Check the IDPartner application in Settings (client id, authentication method, certificate or key registered at IDPartner) against the bank's error in the timeline.",
    who: "admin",
  },
  response_jwt_invalid: {
    what: "The bank's signed authorization response (JARM) failed its checks: signature, issuer, audience, expiry or state. A forged or replayed answer looks like this.",
    next: "Ask the person to start again; if it repeats for one bank, report it to IDPartner with this reference code.",
    who: "support",
  },
  response_jwt_wrong_bank: {
    what: "The signed authorization response came from another bank than the one the person chose (its issuer or key), a mix-up the portal refuses.",
    next: "Ask the person to start again from the application; report repeated cases, with this reference code, as a possible attack.",
    who: "support",
  },
  provider_unreachable: {
    what: "The portal could not reach the provider (network down, DNS, or the provider is out of service).",
    next: "Check the provider's status page and the portal's network; the person can try again later.",
    who: "provider",
  },
  provider_timeout: {
    what: "The provider did not answer the code exchange in time.",
    next: "Usually temporary: the person can try again. If it repeats, check the provider's status.",
    who: "provider",
  },
  token_exchange_rejected: {
    what: "The provider refused to exchange the code (already used, expired, or the client secret is wrong).",
    next: "If the description says invalid_client, an admin must fix the client secret in Settings; otherwise the person should try again.",
    who: "admin",
  },
  token_exchange_failed: {
    what: "The code exchange with the provider failed for an unexpected reason.",
    next: "The person can try again; report it to the developers if it repeats.",
    who: "developer",
  },
  id_token_invalid: {
    what: "The provider's ID token did not pass the checks (signature, issuer, audience, expiry or nonce).",
    next: "Check the environment (sandbox or production) and the server clock; report it with this reference code if they are right.",
    who: "admin",
  },
  userinfo_failed: {
    what: "The provider did not give the person's verification details (userinfo request failed).",
    next: "The person can try again; if it repeats, contact the provider.",
    who: "provider",
  },
  userinfo_timeout: {
    what: "The provider took too long to give the person's verification details.",
    next: "Usually temporary: the person can try again later.",
    who: "provider",
  },
  userinfo_malformed: {
    what: "The provider's answer about the person could not be read (not in the expected shape).",
    next: "Report it to the developers with this reference code; the raw answer is not stored when it cannot be read.",
    who: "developer",
  },
  userinfo_uuid_missing: {
    what: "The provider's answer did not include the person's unique identifier (uuid).",
    next: "Contact the provider: every answer should carry a uuid.",
    who: "provider",
  },
  userinfo_signature_invalid: {
    what: "The provider's signed answer about the person did not pass the signature checks.",
    next: "Check the environment (sandbox or production) in Settings; report it if it is right.",
    who: "admin",
  },
  subject_mismatch: {
    what: "The provider's ID token and its answer about the person named different people.",
    next: "Treat as suspicious and report it to the developers and the provider with this reference code.",
    who: "developer",
  },
  identity_not_verified: {
    what: "The provider did not confirm the person's identity.",
    next: "The person must complete identity verification at the provider, then sign in again.",
    who: "person",
  },
  group_not_verified: {
    what: "The provider did not confirm that the person belongs to the required community group.",
    next: "The person must complete the group verification at the provider (for example military status), then sign in again.",
    who: "person",
  },
  uuid_linked_to_other_user: {
    what: "This provider identity already verified another user of the application; one identity cannot verify two accounts.",
    next: 'Open "See both accounts side by side" on this attempt: if the person controls this provider account and the linked account is not theirs, move the identity to this account (or unlink it), with a reason.',
    who: "support",
  },
  configuration_error: {
    what: "The portal's own settings are incomplete for this verification.",
    next: "An admin must complete Settings (client id, secret, scopes).",
    who: "admin",
  },
  database_error: {
    what: "The portal could not read or write its database during this step.",
    next: "Check the database; the person can try again once it is back.",
    who: "developer",
  },
  internal_error: {
    what: "The portal failed unexpectedly during this step.",
    next: "Report it to the developers with this reference code (the server log has the same code).",
    who: "developer",
  },
  auth0_transaction_expired: {
    what: "The login could not go back to Auth0: Auth0 ends a login transaction one hour after it began, and this attempt was older (the portal stops five minutes early). The person was asked to sign in again instead.",
    next: "Ask the person to sign in to the application again. A verification that succeeded is kept, so the next login is quick; nothing needs fixing.",
    who: "person",
  },
  attempt_abandoned: {
    what: "The person left the verification unfinished (for example went Back from the provider and closed the page) and Auth0's one-hour login transaction ended; the portal closed the attempt.",
    next: "Nothing to fix: the person signs in to the application again when ready.",
    who: "person",
  },
};

export function explain(code: string | null | undefined): Explanation | null {
  if (!code || !Object.hasOwn(FAILURES, code)) return null;
  return EXPLANATIONS[code as FailureCode];
}
