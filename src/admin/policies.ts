/**
 * Policy answers on the admin API: `GET /explain?name=&type=&client=` (the live health table, overrides and
 * drills applied) and the answer counters as Prometheus metrics, read at scrape time.
 */
import { Counter, type Registry } from "prom-client";
import type { PolicyStats } from "../dns/server/stats.ts";
import type { GeoLookup } from "../geo/reader.ts";
import type { HealthView } from "../health/table.ts";
import { explainQuery, parseExplainInput } from "../commands/explain.ts";
import type { ZoneSet } from "../zones/tree.ts";
import type { AdminApi } from "./server.ts";

export function registerExplainRoute(
  api: AdminApi,
  zones: () => ZoneSet,
  geo: GeoLookup,
  health: () => HealthView,
): void {
  api.get("/explain", (req) => {
    const input = parseExplainInput(
      req.query.get("name") ?? undefined,
      req.query.get("type") ?? undefined,
      req.query.get("client") ?? undefined,
    );
    if (!input.ok) return { status: 400, body: { error: input.error } };
    return { status: 200, body: explainQuery(zones(), input.name, input.type, input.client, geo, health()) };
  });
}

export function registerPolicyMetrics(registry: Registry, stats: PolicyStats): void {
  new Counter({
    name: "gslb_policy_answers_total",
    help: "Answers of policy records, by health state of the answer (healthy, degraded, all-down, nodata, servfail)",
    labelNames: ["zone", "policy", "state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of stats.states.values()) {
        const labels = { zone: c.zone, policy: c.policy };
        this.inc({ ...labels, state: "healthy" }, c.healthy);
        this.inc({ ...labels, state: "degraded" }, c.degraded);
        this.inc({ ...labels, state: "all-down" }, c.allDown);
        this.inc({ ...labels, state: "nodata" }, c.nodata);
        this.inc({ ...labels, state: "servfail" }, c.servfail);
      }
    },
  });
  new Counter({
    name: "gslb_policy_target_answers_total",
    help: "Answers that carried a target, per policy record (a canary's real share)",
    labelNames: ["zone", "policy", "target"],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of stats.targets.values())
        this.inc({ zone: c.zone, policy: c.policy, target: c.target }, c.count);
    },
  });
}
