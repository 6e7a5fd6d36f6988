"use server";

import { z } from "zod";
import { staffFormAction } from "@/lib/staff/guard";
import { searchPeople, type PeopleSearch } from "@/lib/insight/person";

/**
 * "Find by email or name" on the people page. A server action (POST), so the
 * address or name staff type never lands in a URL, a browser history or an
 * access log. Reads only: Auth0's users (when configured) and the records' provider emails.
 */
const schema = z.object({
  term: z
    .string({ error: "Type an email address or a name." })
    .trim()
    .min(2, "Type an email address or a name (at least 2 characters).")
    .max(320, "Keep it under 320 characters."),
});

export const findPeople = staffFormAction(
  "people.search",
  "support",
  schema,
  async (_staff, input): Promise<PeopleSearch & { term: string }> => ({ ...(await searchPeople(input.term)), term: input.term }),
);
