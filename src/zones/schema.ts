/**
 * The zone file (one YAML file per zone), as a zod schema. Shape:
 *
 *   zone: example.com.          # must match the file name (example.com.yaml)
 *   ttl: 3600                   # default TTL of every RRset without its own
 *   records:
 *     "@":
 *       SOA: ns1 hostmaster 2024010101 7200 3600 1209600 300
 *       NS: [ns1, ns2]
 *     www:
 *       A: { ttl: 300, values: [192.0.2.10, 192.0.2.11] }
 *
 * Owners are relative to the zone, `@`, `*.x`, or absolute with a trailing dot. A record value is a
 * presentation string, a list of them, `{ ttl, values }`, or `{ policy: name }` (a dynamic answer from the
 * `checks` / `pools` / `policies` sections, see docs/policies).
 * Owner names, type names and RDATA text are checked after the schema (loader.ts), where the zone origin is known.
 */
import { z } from "zod";
import { policySectionsShape } from "../policy/schema.ts";

export const MAX_TTL = 2 ** 31 - 1; // RFC 2181 §8

export const ttlSchema = z
  .int({ error: "TTL must be a whole number of seconds" })
  .min(0, { error: "TTL must be at least 0" })
  .max(MAX_TTL, { error: `TTL must be at most ${MAX_TTL} (RFC 2181 §8)` });

const presentation = z
  .string({ error: "record data must be a string in presentation format" })
  .min(1, { error: "record data is empty" });

export const staticValuesSchema = z.strictObject({
  ttl: ttlSchema.optional(),
  values: z.array(presentation, { error: "values must be a list of strings" }).min(1, {
    error: "values must not be empty",
  }),
});

/** A dynamic record: answered per client by the named policy (or pool) of the `policies` section. */
export const policyValueSchema = z.strictObject({
  policy: z.string({ error: "policy must be the name of a policy or pool" }).min(1),
});

/** One type's data at one owner. */
export const recordValueSchema = z.union([
  presentation,
  z.array(presentation).min(1, { error: "the list of values is empty" }),
  staticValuesSchema,
  policyValueSchema,
]);
export const RECORD_VALUE_SHAPE = "a presentation string, a list of them, { ttl, values }, or { policy: NAME }";

export const ownerRecordsSchema = z.record(z.string(), recordValueSchema, {
  error: "expected a mapping of record type to value, like A: 192.0.2.1",
});

export const zoneFileSchema = z.strictObject({
  zone: z.string({ error: "zone must be the zone's name, like example.com." }).min(1),
  ttl: ttlSchema.default(3600),
  records: z.record(z.string(), ownerRecordsSchema, { error: "records must be a mapping of owner name to records" }),
  ...policySectionsShape,
});

export type ZoneFile = z.infer<typeof zoneFileSchema>;
export type RecordValue = z.infer<typeof recordValueSchema>;
export type StaticRecordValue = Exclude<RecordValue, z.infer<typeof policyValueSchema>>;

export function isPolicyValue(value: RecordValue): value is z.infer<typeof policyValueSchema> {
  return typeof value === "object" && !Array.isArray(value) && "policy" in value;
}

/** The values and TTL of one static record value, whichever form it was written in. */
export function staticValues(value: StaticRecordValue, defaultTtl: number): { ttl: number; values: readonly string[] } {
  if (typeof value === "string") return { ttl: defaultTtl, values: [value] };
  if (Array.isArray(value)) return { ttl: defaultTtl, values: value };
  return { ttl: value.ttl ?? defaultTtl, values: value.values };
}
