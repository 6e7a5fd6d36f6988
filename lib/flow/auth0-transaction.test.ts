import { describe, expect, it } from "vitest";
import {
  AUTH0_TRANSACTION_LIFETIME_MS,
  TRANSACTION_SAFETY_MARGIN_MS,
  auth0TransactionExpired,
  expiredTransactionText,
} from "./auth0-transaction";

describe("Auth0's one-hour login transaction, as the portal judges it", () => {
  const opened = new Date("2026-03-08T09:30:00Z"); // the attempt opened when the Action's redirect arrived
  const at = (ms: number) => new Date(opened.getTime() + ms);

  it("counts from the attempt's opening and gives up five minutes before Auth0 does", () => {
    expect(auth0TransactionExpired({ createdAt: opened }, at(0))).toBe(false);
    expect(auth0TransactionExpired({ createdAt: opened }, at(54 * 60_000))).toBe(false);
    expect(auth0TransactionExpired({ createdAt: opened }, at(AUTH0_TRANSACTION_LIFETIME_MS - TRANSACTION_SAFETY_MARGIN_MS))).toBe(true);
    expect(auth0TransactionExpired({ createdAt: opened }, at(2 * AUTH0_TRANSACTION_LIFETIME_MS))).toBe(true);
  });

  it("tells a verified person their verification is kept", () => {
    expect(expiredTransactionText({ status: "verified" }).body).toContain("your verification is saved");
    expect(expiredTransactionText({ status: "declined" }).body).not.toContain("saved");
    expect(expiredTransactionText({ status: "failed" }).title).toBe("This sign-in has expired");
  });
});
