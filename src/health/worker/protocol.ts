/**
 * Messages between the main thread and the `gslb-prober` worker. Both directions carry batches (requests
 * per event-loop turn, results per result window), and both sides validate what they receive with these schemas.
 *
 * Check definitions cross as their parsed form (durations in ms, status ranges as tuples, RegExp bodies):
 * the schemas below are check-schema's with the transformed fields replaced by their output types.
 */
import { z } from "zod";
import {
  compositeCheckSchema,
  dnsCheckSchema,
  httpCheckSchema,
  proxyCheckSchema,
  tcpCheckSchema,
} from "../check-schema.ts";

const ms = z.number().nonnegative();
const parsedTimes = { interval: ms, timeout: ms };

export const parsedCheckSchema = z.discriminatedUnion("kind", [
  httpCheckSchema.extend({
    ...parsedTimes,
    connectTimeout: ms.optional(),
    expect: z.array(z.tuple([z.number().int(), z.number().int()]).readonly()).min(1),
    bodyRegex: z.instanceof(RegExp).optional(),
  }),
  tcpCheckSchema.extend(parsedTimes),
  dnsCheckSchema.extend(parsedTimes),
  proxyCheckSchema.extend(parsedTimes),
  compositeCheckSchema.extend(parsedTimes),
]);

const targetSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).exactOptional(),
});
const id = z.number().int().nonnegative();

/** Main → worker, in order: define a probe (its check and, for composites, the members), run, cancel, close. */
export const requestSchema = z.discriminatedUnion("op", [
  z.object({
    op: z.literal("define"),
    probe: id,
    name: z.string(),
    checks: z.array(z.tuple([z.string(), parsedCheckSchema])),
  }),
  z.object({ op: z.literal("run"), id, probe: id, target: targetSchema }),
  z.object({ op: z.literal("cancel"), id }),
  z.object({ op: z.literal("close"), probe: id }),
]);

export const requestBatchSchema = z.object({ type: z.literal("requests"), items: z.array(requestSchema) });

export const probeResultSchema = z.object({
  ok: z.boolean(),
  outcome: z.enum(["ok", "fail", "timeout", "error"]),
  rttMs: z.number().nullable(),
  detail: z.string(),
  healthy: z.number().int().nonnegative().exactOptional(),
});

/** Worker → main: results of finished runs (cancelled runs included; the main side drops unknown ids). */
export const resultBatchSchema = z.object({
  type: z.literal("results"),
  items: z.array(z.object({ id, result: probeResultSchema })),
});

export type ProbeRequest = z.infer<typeof requestSchema>;
export type DefineRequest = Extract<ProbeRequest, { op: "define" }>;
export type RequestBatch = z.infer<typeof requestBatchSchema>;
export type ResultBatch = z.infer<typeof resultBatchSchema>;

/** The worker's start options (`workerData`). */
export const proberDataSchema = z.object({ resultWindowMs: z.number().nonnegative() });
export type ProberData = z.infer<typeof proberDataSchema>;

/** Runs `callback` after `ms` (0: at the end of this event-loop turn), without keeping the loop alive; returns the cancel. */
export function later(callback: () => void, ms: number): () => void {
  if (ms > 0) {
    const timer = setTimeout(callback, ms).unref();
    return () => clearTimeout(timer);
  }
  const immediate = setImmediate(callback).unref();
  return () => clearImmediate(immediate);
}
