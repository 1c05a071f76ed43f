import { describe, expect, it } from "vitest";
import { createRegistry } from "../../src/admin/metrics.ts";
import { ZoneMetrics } from "../../src/admin/zones.ts";
import type { ZoneEvent } from "../../src/zones/store.ts";

const FILE = "zones/example.net.yaml";
const rejected: ZoneEvent = { type: "rejected", file: FILE, problems: [], servingPrevious: false };

async function rejectedGauge(events: readonly ZoneEvent[]): Promise<string[]> {
  const registry = createRegistry();
  const metrics = new ZoneMetrics(registry);
  for (const event of events) metrics.record(event);
  const text = await registry.getSingleMetricAsString("gslb_zone_file_rejected");
  return text.split("\n").filter((line) => !line.startsWith("#"));
}

describe("gslb_zone_file_rejected", () => {
  it.each([
    { after: [], expected: [`gslb_zone_file_rejected{file="${FILE}"} 1`] },
    { after: [{ type: "cleared", file: FILE }], expected: [] },
    { after: [{ type: "loaded", file: FILE, zone: "example.net.", serial: 2 }], expected: [] },
    {
      after: [{ type: "cleared", file: "zones/other.yaml" }],
      expected: [`gslb_zone_file_rejected{file="${FILE}"} 1`],
    },
  ] as const)("after a rejection then $after.0.type", async ({ after, expected }) => {
    expect(await rejectedGauge([rejected, ...after])).toEqual(expected);
  });
});
