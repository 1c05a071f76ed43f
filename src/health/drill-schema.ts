/**
 * The drills file (YAML), checked by zod; problems come out as `file:line: path: reason`.
 *
 * ```yaml
 * drills:
 *   - name: eu-failover
 *     schedule: "0 3 * * 2"        # node-cron: 5 fields, or 6 with seconds first
 *     timezone: Europe/Paris       # optional; default the server's local time
 *     duration: 20m
 *     regions: [eu-west]
 *     ttlRampLead: 10m             # lower the TTL of answers for these regions this long before the start
 *     observe: 5m                  # report window before and after the drill (default: the duration)
 *     abort:
 *       minHealthyOtherRegions: 2  # skip, or stop a running drill, when fewer other regions are healthy
 * ```
 */
import { readFile } from "node:fs/promises";
import { validateDetailed } from "node-cron";
import { z } from "zod";
import { ErrorCodes, GslbError, InputError, type Problem } from "../errors.ts";
import { formatPath, parseYaml } from "../zones/yaml-source.ts";
import { durationSchema } from "./check-schema.ts";

const cronSchema = z.string().superRefine((pattern, ctx) => {
  const result = validateDetailed(pattern);
  if (!result.valid) {
    const why = result.errors.map((e) => e.message).join("; ");
    ctx.addIssue({ code: "custom", message: `invalid cron pattern "${pattern}": ${why || "unparseable"}` });
  }
});

const timezoneSchema = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "unknown time zone");

export const drillSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "drill names use [A-Za-z0-9_.-]"),
  schedule: cronSchema.optional(),
  timezone: timezoneSchema.optional(),
  duration: durationSchema.refine((ms) => ms >= 1000, "duration must be at least 1s"),
  regions: z.array(z.string().min(1)).min(1),
  ttlRampLead: durationSchema.default(0),
  observe: durationSchema.optional(),
  abort: z
    .strictObject({
      minHealthyOtherRegions: z.number().int().min(0).default(1),
    })
    .default({ minHealthyOtherRegions: 1 }),
  enabled: z.boolean().default(true),
});

export const drillsFileSchema = z
  .strictObject({
    drills: z.array(drillSchema).default([]),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.drills.forEach((drill, i) => {
      if (seen.has(drill.name))
        ctx.addIssue({
          code: "custom",
          path: ["drills", i, "name"],
          message: `duplicate drill "${drill.name}"`,
        });
      seen.add(drill.name);
    });
  });

export type Drill = z.infer<typeof drillSchema>;
export type DrillsFile = z.infer<typeof drillsFileSchema>;

/** Parses drills YAML text; throws InputError (DRILL_INVALID) with every problem. */
export function parseDrills(text: string, file: string): readonly Drill[] {
  const source = parseYaml(text, file);
  if (source.syntaxProblems.length > 0) throw new InputError(ErrorCodes.DRILL_INVALID, source.syntaxProblems);
  const parsed = drillsFileSchema.safeParse(source.value ?? {});
  if (parsed.success) return Object.freeze(parsed.data.drills.map((d) => Object.freeze(d)));
  const problems: Problem[] = parsed.error.issues.map((issue) => {
    const path = issue.path.filter((s): s is string | number => typeof s !== "symbol");
    return { file, line: source.lineOf(path), path: formatPath(path), reason: issue.message };
  });
  throw new InputError(ErrorCodes.DRILL_INVALID, problems);
}

export async function loadDrills(file: string): Promise<readonly Drill[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new GslbError(ErrorCodes.DRILL_INVALID, `${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseDrills(text, file);
}
