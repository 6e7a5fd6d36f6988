import { describe, expect, it } from "vitest";
import { parseUserinfoClaims, parseUserinfoJson } from "./userinfo";
import { isSafeGroupName } from "../groups";

/**
 * Group names end up in the return token's `groups` and, through the Action, in
 * the user's app_metadata: only names of the safe vocabulary get that far.
 */

const uuid = { handle: "uuid", name: "Unique Identifier", value: "d733a89e2e634f04ac2fe66c97f71612" };
const HOSTILE = [
  "military<script>",
  "Military",
  "x".repeat(41),
  "a b",
  "__proto__x\u0000",
  "ｍilitary",
  "group/../../admin",
  "military\n",
  "",
];

describe("provider group names", () => {
  it("keeps ID.me's own names and drops anything outside [a-z0-9_]{1,40}", () => {
    const parsed = parseUserinfoJson({
      attributes: [uuid],
      status: [
        { group: "military", subgroups: ["veteran"], verified: true },
        { group: "covid_vaccine", subgroups: null, verified: true },
        ...HOSTILE.map((group) => ({ group, subgroups: [], verified: true })),
      ],
    });
    expect(parsed.groups.map((g) => g.group)).toEqual(["military", "covid_vaccine"]);
  });

  it("applies to the OIDC (JWT claims) shape too", () => {
    const parsed = parseUserinfoClaims({
      uuid: uuid.value,
      status: [
        { group: "identity", verified: true },
        { group: "teacher<img src=x>", verified: true },
      ],
    });
    expect(parsed.groups.map((g) => g.group)).toEqual(["identity"]);
    expect(parsed.identityVerified).toBe(true);
  });

  it("the vocabulary itself", () => {
    for (const ok of ["military", "covid_vaccine", "hospital_employee", "a", "x".repeat(40), "group2"])
      expect(isSafeGroupName(ok), ok).toBe(true);
    for (const bad of [...HOSTILE, 7, null, undefined, ["military"]]) expect(isSafeGroupName(bad), String(bad)).toBe(false);
  });
});
