// Enum values to their labels through a catalogue: a map of value -> key (or -> { label: key, … }),
// translated at render; one pair for every namespace.
import type { Namespace, ParseKeys, TFunction } from "i18next";

/** A map entry: the catalogue key itself, or a record carrying it as `label` (e.g. with a tag colour). */
export type LabelEntry<Ns extends Namespace> = ParseKeys<Ns> | { label: ParseKeys<Ns> };

/** The translated label of an enum value; the value itself when the map does not know it. */
export function labelOf<Ns extends Namespace>(
  t: TFunction<Ns>,
  map: Record<string, LabelEntry<Ns>>,
  value: string,
): string {
  const entry = map[value];
  if (!entry) return value;
  const key = typeof entry === "object" ? entry.label : entry;
  return (t as unknown as (key: unknown) => string)(key);
}

/** Options of a select over an enum map, translated. */
export function optionsOf<Ns extends Namespace>(
  t: TFunction<Ns>,
  map: Record<string, LabelEntry<Ns>>,
): { value: string; label: string }[] {
  return Object.keys(map).map((value) => ({ value, label: labelOf(t, map, value) }));
}
