/**
 * The verification flow as a small state machine. Every trip through
 * /id-verification is an Attempt that moves
 *
 *   started → at_provider → returned → verified | failed | declined | error
 *
 * and is then resumed (the login goes back to Auth0). Failure codes are listed
 * here with the step they belong to and the word the Action receives.
 */

export type AttemptState = "started" | "at_provider" | "returned" | "verified" | "failed" | "declined" | "error";

export const TERMINAL: ReadonlySet<AttemptState> = new Set(["verified", "failed", "declined", "error"]);

const TRANSITIONS: Record<AttemptState, readonly AttemptState[]> = {
  started: ["at_provider", "verified", "declined", "error", "failed"],
  at_provider: ["at_provider", "returned", "declined", "error"],
  returned: ["verified", "failed", "declined", "error"],
  verified: [],
  failed: [],
  declined: [],
  error: [],
};

export function canMove(from: AttemptState, to: AttemptState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Steps of the attempt timeline, in the order they normally happen. */
export type Step =
  "token_received" | "interval_check" | "sent_to_provider" | "returned" | "token_exchange" | "userinfo" | "result" | "resumed";

/** The word put in the return token's `status` claim. */
export type ReturnStatus = "success" | "failed" | "declined" | "error";

export interface FailureDef {
  step: Step;
  state: Extract<AttemptState, "failed" | "declined" | "error">;
}

/** Every failure the flow can record. Support explanations are keyed by these codes. */
export const FAILURES = {
  // The token from the Auth0 Action (PROTOCOLS §1)
  state_missing: { step: "token_received", state: "error" },
  token_missing: { step: "token_received", state: "error" },
  token_malformed: { step: "token_received", state: "error" },
  token_alg_not_allowed: { step: "token_received", state: "error" },
  token_signature_invalid: { step: "token_received", state: "error" },
  token_expired: { step: "token_received", state: "error" },
  token_sub_missing: { step: "token_received", state: "error" },
  token_iss_mismatch: { step: "token_received", state: "error" },
  token_purpose_invalid: { step: "token_received", state: "error" },
  token_state_mismatch: { step: "token_received", state: "error" },
  token_ip_mismatch: { step: "token_received", state: "error" },
  token_reused: { step: "token_received", state: "error" },
  // The person's own choice on the portal page
  declined_at_portal: { step: "sent_to_provider", state: "declined" },
  // Coming back from the provider
  session_missing: { step: "returned", state: "error" },
  state_mismatch: { step: "returned", state: "error" },
  browser_mismatch: { step: "returned", state: "error" },
  provider_access_denied: { step: "returned", state: "declined" },
  provider_invalid_scope: { step: "returned", state: "error" },
  provider_invalid_client: { step: "returned", state: "error" },
  provider_invalid_request: { step: "returned", state: "error" },
  provider_invalid_redirect_uri: { step: "returned", state: "error" },
  provider_unsupported_response_type: { step: "returned", state: "error" },
  provider_error: { step: "returned", state: "error" },
  callback_code_missing: { step: "returned", state: "error" },
  // A provider's chooser step (IDPartner's account selector) and its signed answers (JARM)
  chooser_state_invalid: { step: "sent_to_provider", state: "error" },
  bank_not_allowed: { step: "sent_to_provider", state: "error" },
  bank_unreachable: { step: "sent_to_provider", state: "error" },
  par_rejected: { step: "sent_to_provider", state: "error" },
  response_jwt_invalid: { step: "returned", state: "error" },
  response_jwt_wrong_bank: { step: "returned", state: "error" },
  // Talking to the provider
  provider_unreachable: { step: "sent_to_provider", state: "error" },
  provider_timeout: { step: "token_exchange", state: "error" },
  token_exchange_rejected: { step: "token_exchange", state: "error" },
  token_exchange_failed: { step: "token_exchange", state: "error" },
  id_token_invalid: { step: "token_exchange", state: "error" },
  userinfo_failed: { step: "userinfo", state: "error" },
  userinfo_timeout: { step: "userinfo", state: "error" },
  userinfo_malformed: { step: "userinfo", state: "error" },
  userinfo_uuid_missing: { step: "userinfo", state: "error" },
  userinfo_signature_invalid: { step: "userinfo", state: "error" },
  subject_mismatch: { step: "userinfo", state: "error" },
  // The decision
  identity_not_verified: { step: "result", state: "failed" },
  group_not_verified: { step: "result", state: "failed" },
  uuid_linked_to_other_user: { step: "result", state: "failed" },
  // Our own side
  configuration_error: { step: "sent_to_provider", state: "error" },
  database_error: { step: "result", state: "error" },
  internal_error: { step: "result", state: "error" },
  // Going back to Auth0
  auth0_transaction_expired: { step: "resumed", state: "error" },
  // Left unfinished (at the provider, or on the portal's page) until Auth0's transaction ended
  attempt_abandoned: { step: "resumed", state: "error" },
} as const satisfies Record<string, FailureDef>;

export type FailureCode = keyof typeof FAILURES;

export function isFailureCode(code: string): code is FailureCode {
  return Object.hasOwn(FAILURES, code);
}

/** Failures that may pass by themselves: the person is offered "Try again" while Auth0's transaction lives. */
export const TRANSIENT: ReadonlySet<FailureCode> = new Set<FailureCode>([
  "provider_unreachable",
  "provider_timeout",
  "provider_error",
  "token_exchange_failed",
  "userinfo_failed",
  "userinfo_timeout",
  "database_error",
  "internal_error",
]);

export function returnStatusFor(state: AttemptState): ReturnStatus {
  if (state === "verified") return "success";
  if (state === "declined") return "declined";
  if (state === "failed") return "failed";
  return "error";
}

/** A failure of the flow: a code from FAILURES and a description safe for support (no personal data). */
export class FlowError extends Error {
  constructor(
    readonly code: FailureCode,
    readonly description: string,
  ) {
    super(`${code}: ${description}`);
    this.name = "FlowError";
  }
}
