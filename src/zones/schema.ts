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
 * presentation string, a list of them, or `{ ttl, values }`. The value union is where a later
 * `{ policy: name }` form joins, and the top-level object where `checks`, `pools` and `policies` join.
 * Owner names, type names and RDATA text are checked after the schema (loader.ts), where the zone origin is known.
 */
import { z } from "zod";

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

/** One type's data at one owner. */
export const recordValueSchema = z.union([
  presentation,
  z.array(presentation).min(1, { error: "the list of values is empty" }),
  staticValuesSchema,
]);
export const RECORD_VALUE_SHAPE = "a presentation string, a list of them, or { ttl, values }";

export const ownerRecordsSchema = z.record(z.string(), recordValueSchema, {
  error: "expected a mapping of record type to value, like A: 192.0.2.1",
});

export const zoneFileSchema = z.strictObject({
  zone: z.string({ error: "zone must be the zone's name, like example.com." }).min(1),
  ttl: ttlSchema.default(3600),
  records: z.record(z.string(), ownerRecordsSchema, { error: "records must be a mapping of owner name to records" }),
});

export type ZoneFile = z.infer<typeof zoneFileSchema>;
export type RecordValue = z.infer<typeof recordValueSchema>;

/** The values and TTL of one record value, whichever form it was written in. */
export function staticValues(value: RecordValue, defaultTtl: number): { ttl: number; values: readonly string[] } {
  if (typeof value === "string") return { ttl: defaultTtl, values: [value] };
  if (Array.isArray(value)) return { ttl: defaultTtl, values: value };
  return { ttl: value.ttl ?? defaultTtl, values: value.values };
}
