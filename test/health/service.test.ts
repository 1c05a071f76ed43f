import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { checkSchema } from "../../src/health/check-schema.ts";
import { overrideRequestSchema } from "../../src/health/override-schema.ts";
import { probeFail, probeOk, type Probe } from "../../src/health/probes/probe.ts";
import { startHealthService } from "../../src/health/service.ts";
import { ManualTimers } from "../../src/health/timers.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const { path: dir, remove } = tempDir("svc");
afterAll(remove);

const checks = new Map([
  ["web", checkSchema.parse({ kind: "http", interval: "1s", timeout: "500ms", jitter: 0, rise: 2, fall: 3 })],
]);
const specs = [
  { check: "web", address: "10.0.0.1:80" },
  { check: "web", address: "10.0.0.2:80" },
];

function probes(up: Map<string, boolean>): () => Probe {
  return () => ({
    kind: "fake",
    run: (target) =>
      Promise.resolve(up.get(`${target.host}:${target.port}`) === false ? probeFail("refused") : probeOk(25)),
  });
}

async function start(timers: ManualTimers, up: Map<string, boolean>, registry = new Registry()) {
  const service = await startHealthService({
    stateFile: join(dir, "state.json"),
    auditLog: join(dir, "audit.jsonl"),
    timers,
    random: () => 0,
    registry,
    probeFactory: probes(up),
    healthyRegions: () => ["eu", "us"],
    answersByRegion: () => new Map(),
  });
  return { service, registry };
}

describe("health service", () => {
  it("keeps last states and overrides across a restart, and exports metrics", async () => {
    const up = new Map([["10.0.0.2:80", false]]);
    const timers = new ManualTimers(1_700_000_000_000);
    const { service, registry } = await start(timers, up);
    service.setTargets(specs, checks);
    await timers.advance(10);
    service.overrides.set(
      overrideRequestSchema.parse({
        scope: "region",
        name: "eu",
        state: "draining",
        reason: "maintenance",
        for: "1h",
      }),
    );
    const view = service.getCurrent();
    expect(view.target("web@10.0.0.1:80").state).toBe("up");
    expect(view.target("web@10.0.0.2:80")).toMatchObject({ state: "down", reason: "refused" });
    expect(view.region("eu")).toMatchObject({ state: "draining", source: "override" });

    const text = await registry.metrics();
    expect(text).toContain('gslb_health_target_up{target="web@10.0.0.1:80"} 1');
    expect(text).toContain('gslb_health_target_up{target="web@10.0.0.2:80"} 0');
    expect(text).toContain('gslb_health_probe_results_total{target="web@10.0.0.2:80",outcome="fail"} 1');
    expect(text).toContain('gslb_health_rtt_seconds{target="web@10.0.0.1:80"} 0.025');
    expect(text).toContain('gslb_health_override_active{scope="region",name="eu",state="draining"} 1');
    expect(text).toContain(
      'gslb_health_last_transition_timestamp_seconds{target="web@10.0.0.2:80"} 1700000000',
    );
    await service.stop();

    up.set("10.0.0.2:80", true);
    const later = new ManualTimers(1_700_000_100_000);
    const again = await start(later, up);
    again.service.setTargets(specs, checks);
    expect(again.service.getCurrent().target("web@10.0.0.2:80")).toMatchObject({
      state: "down",
      source: "probe",
    });
    expect(again.service.getCurrent().region("eu")?.state).toBe("draining");
    await later.advance(1010);
    expect(again.service.getCurrent().target("web@10.0.0.2:80").state).toBe("up");
    const flaps = await again.registry.metrics();
    expect(flaps).toContain('gslb_health_flaps_total{target="web@10.0.0.2:80"} 1');
    await again.service.stop();
    const actions = readFileSync(join(dir, "audit.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).action);
    expect(actions).toEqual(["override.set"]);
  });

  it("drill overlays and overrides both reach the view, the override winning", async () => {
    const timers = new ManualTimers(1_700_000_000_000);
    const { service } = await start(timers, new Map());
    service.setDrills([
      {
        name: "d",
        duration: 20_000,
        regions: ["us"],
        ttlRampLead: 0,
        abort: { minHealthyOtherRegions: 1 },
        enabled: true,
      },
    ]);
    expect(service.drills.runNow("d").ok).toBe(true);
    expect(service.getCurrent().region("us")).toMatchObject({ state: "down", source: "drill" });
    expect(service.getCurrent().ttlRamp?.("us")).toBe(true);
    service.overrides.set(
      overrideRequestSchema.parse({
        scope: "region",
        name: "us",
        state: "up",
        reason: "stop the drill's effect",
      }),
    );
    expect(service.getCurrent().region("us")).toMatchObject({ state: "up", source: "override" });
    await timers.advance(21_000);
    expect(service.getCurrent().ttlRamp?.("us")).toBe(false);
    await service.stop();
  });
});
