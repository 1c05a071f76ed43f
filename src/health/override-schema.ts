/** Overrides: an operator forces a target or a whole region up, down or draining, with a reason and expiry. */
import { z } from "zod";
import { durationSchema } from "./check-schema.ts";

export const overrideScopeSchema = z.enum(["target", "region"]);
export const forcedStateSchema = z.enum(["up", "down", "draining"]);

/** A stored override (state file, admin API answers). Times are epoch ms. */
export const overrideSchema = z.object({
  id: z.string().min(1),
  scope: overrideScopeSchema,
  /** Target key (`check@address`) or region/pool name. */
  name: z.string().min(1),
  state: forcedStateSchema,
  reason: z.string().min(1),
  createdAt: z.number(),
  /** null: until cleared by hand. */
  expiresAt: z.number().nullable(),
  by: z.string().default("admin"),
});

/** What the admin API and `gslb override set` send. `for` is a duration (`30s`, `2h`); omit for no expiry. */
export const overrideRequestSchema = z.strictObject({
  scope: overrideScopeSchema,
  name: z.string().min(1),
  state: forcedStateSchema,
  reason: z.string().min(1, "a reason is required"),
  for: durationSchema.optional(),
  by: z.string().min(1).optional(),
  /** Accept a name the zones served do not know (an override set ahead of a zone change). */
  force: z.boolean().optional(),
});

export type Override = z.infer<typeof overrideSchema>;
export type OverrideRequest = z.infer<typeof overrideRequestSchema>;
export type OverrideRequestInput = z.input<typeof overrideRequestSchema>;
