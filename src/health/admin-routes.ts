/**
 * Admin API handlers of the health subsystem, for the coordinator to mount on the AdminApi:
 *
 *   GET    /overrides                       → 200 { overrides }
 *   POST   /overrides   { scope, name, state, reason, for?, by?, force? }
 *                                               → 201 { override } | 400 { error, issues } | 404 { error, known }
 *   DELETE /overrides?id=ID | ?scope=S&name=N                     → 200 { cleared } | 404 | 400
 *   GET    /drills                          → 200 { drills }   (see drills.ts)
 *   POST   /drills/run  { name, by? }       → 202 { run } | 404 | 409
 *   POST   /drills/stop { name, by? }       → 200 { run } | 404 | 409
 */
import { z } from "zod";
import type { AdminApi, AdminHandler, AdminResponse } from "../admin/server.ts";
import type { DrillRunner } from "./drills.ts";
import { overrideRequestSchema, overrideScopeSchema } from "./override-schema.ts";
import type { OverrideStore } from "./overrides.ts";

export interface HealthRoute {
  readonly method: "GET" | "POST" | "DELETE";
  readonly path: string;
  readonly handler: AdminHandler;
}

/** Registers routes on the admin API (POST and DELETE are writes: they need the bearer token). */
export function mountRoutes(
  api: Pick<AdminApi, "get" | "post" | "delete">,
  routes: readonly HealthRoute[],
): void {
  for (const route of routes) {
    if (route.method === "GET") api.get(route.path, route.handler);
    else if (route.method === "POST") api.post(route.path, route.handler);
    else api.delete(route.path, route.handler);
  }
}

/** What an override may name: health target keys (`check@address`) and region (pool) names. */
export interface KnownSubjects {
  readonly targets: ReadonlySet<string>;
  readonly regions: ReadonlySet<string>;
}

/** At most this many known names are listed when an override names an unknown one. */
const KNOWN_LISTED = 20;

export function overrideRoutes(store: OverrideStore, known?: () => KnownSubjects): HealthRoute[] {
  return [
    {
      method: "GET",
      path: "/overrides",
      handler: () => ({ status: 200, body: { overrides: store.list() } }),
    },
    { method: "POST", path: "/overrides", handler: (req) => addOverride(store, req.body, known) },
    { method: "DELETE", path: "/overrides", handler: (req) => removeOverride(store, req.query, req.body) },
  ];
}

function addOverride(
  store: OverrideStore,
  body: unknown,
  known: (() => KnownSubjects) | undefined,
): AdminResponse {
  const parsed = overrideRequestSchema.safeParse(body);
  if (!parsed.success) return invalid(parsed.error);
  const { scope, name, force } = parsed.data;
  // A typo during an incident would be stored, audited and have no effect at all: refuse it instead.
  if (known !== undefined && force !== true) {
    const names = scope === "target" ? known().targets : known().regions;
    if (!names.has(name)) return unknownSubject(scope, name, names);
  }
  return { status: 201, body: { override: store.set(parsed.data) } };
}

function unknownSubject(scope: "target" | "region", name: string, names: ReadonlySet<string>): AdminResponse {
  const sorted = [...names].sort();
  const what = scope === "target" ? "health target (check@address)" : "region (pool)";
  return {
    status: 404,
    body: {
      error: `no ${what} named "${name}" in the zones served; set force to store it anyway`,
      known: sorted.slice(0, KNOWN_LISTED),
      ...(sorted.length > KNOWN_LISTED ? { more: sorted.length - KNOWN_LISTED } : {}),
    },
  };
}

const clearSchema = z.union([
  z.object({ id: z.string().min(1), by: z.string().min(1).optional() }),
  z.object({ scope: overrideScopeSchema, name: z.string().min(1), by: z.string().min(1).optional() }),
]);

function removeOverride(store: OverrideStore, query: URLSearchParams, body: unknown): AdminResponse {
  const input = body ?? Object.fromEntries(query);
  const parsed = clearSchema.safeParse(input);
  if (!parsed.success) return { status: 400, body: { error: "give id, or scope and name" } };
  const cleared = store.clear(parsed.data, parsed.data.by);
  if (cleared === undefined) return { status: 404, body: { error: "no such override" } };
  return { status: 200, body: { cleared } };
}

const drillActionSchema = z.strictObject({ name: z.string().min(1), by: z.string().min(1).optional() });

export function drillRoutes(runner: DrillRunner): HealthRoute[] {
  return [
    { method: "GET", path: "/drills", handler: () => ({ status: 200, body: { drills: runner.status() } }) },
    {
      method: "POST",
      path: "/drills/run",
      handler: (req) => drillAction(req.body, (name, by) => runner.runNow(name, by), 202),
    },
    {
      method: "POST",
      path: "/drills/stop",
      handler: (req) => drillAction(req.body, (name, by) => runner.stopRun(name, by), 200),
    },
  ];
}

function drillAction(
  body: unknown,
  act: (
    name: string,
    by: string,
  ) => { ok: true; run: unknown } | { ok: false; status: 404 | 409; error: string },
  okStatus: number,
): AdminResponse {
  const parsed = drillActionSchema.safeParse(body);
  if (!parsed.success) return invalid(parsed.error);
  const outcome = act(parsed.data.name, parsed.data.by ?? "admin");
  return outcome.ok
    ? { status: okStatus, body: { run: outcome.run } }
    : { status: outcome.status, body: { error: outcome.error } };
}

function invalid(error: z.ZodError): AdminResponse {
  return {
    status: 400,
    body: {
      error: error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; "),
      issues: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    },
  };
}
