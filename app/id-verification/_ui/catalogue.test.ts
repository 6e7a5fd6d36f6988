import { describe, expect, it } from "vitest";
import en from "../../../messages/en.json";
import es from "../../../messages/es.json";

/** Every key path of a catalogue, e.g. "consent.title". */
function keys(messages: object, prefix = ""): string[] {
  return Object.entries(messages).flatMap(([k, v]) =>
    v !== null && typeof v === "object" ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

/** The {placeholders} a message fills in (ICU arguments; plural branches' own text left out), sorted. */
function args(text: string): string[] {
  const withoutBranches = text.replace(/(?:zero|one|two|few|many|other|=\d+)\s*\{[^{}]*\}/g, "");
  return [...new Set([...withoutBranches.matchAll(/\{(\w+)[,}]/g)].map((m) => m[1]!))].sort();
}

function lookup(messages: object, path: string): string {
  return path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], messages) as string;
}

describe("message catalogues", () => {
  it("Spanish has every English key, and no key English lacks", () => {
    expect(keys(es).filter((k) => !keys(en).includes(k))).toEqual([]);
    expect(keys(en).filter((k) => !keys(es).includes(k))).toEqual([]);
  });

  it("every Spanish message fills in the same values as the English one, and none is left empty", () => {
    for (const k of keys(en)) {
      expect(args(lookup(es, k)), k).toEqual(args(lookup(en, k)));
      expect(lookup(es, k).trim(), k).not.toBe("");
    }
  });
});
