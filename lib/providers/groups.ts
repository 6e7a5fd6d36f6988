/**
 * The vocabulary a community group name must fit before it goes anywhere
 * beyond the provider's raw answer: the record's groups, the return token's
 * `groups`, and (through the Action) the user's app_metadata. ID.me's names
 * (military, student, covid_vaccine, …) all fit; anything else is dropped.
 */
export const GROUP_NAME = /^[a-z0-9_]{1,40}$/;

export function isSafeGroupName(value: unknown): value is string {
  return typeof value === "string" && GROUP_NAME.test(value);
}
