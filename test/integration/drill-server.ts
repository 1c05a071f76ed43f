/**
 * gslb serving the drill.test zone for the drill tests: www is a geo record sending EU clients to region eu
 * (then na) and everyone else to na (then eu); a drill of region eu moves EU clients to na.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DrillReport } from "../../src/health/drills.ts";
import { adminCall, spawnServer, writeGeoFixture, type ServerProcess } from "./helpers.ts";

export const EU_ANSWER = "192.0.2.11";
export const NA_ANSWER = "198.51.100.11";
export const HEALTHY_TTL = 300;
export const DRILL_TTL = 5;

const DRILL_ZONE = `zone: drill.test.
records:
  "@":
    SOA: ns1 hostmaster 1 7200 3600 1209600 60
    NS: ns1
  ns1: { A: 192.0.2.53 }
  www: { A: { policy: www } }
pools:
  eu: { targets: [{ address: ${EU_ANSWER} }] }
  na: { targets: [{ address: ${NA_ANSWER} }] }
policies:
  www: { type: geo, rules: [{ continent: EU, use: [eu, na] }], default: [na, eu], ttl: { healthy: ${HEALTHY_TTL}, drill: ${DRILL_TTL} } }
`;

/** `gslb serve --drills` with the given drills file, files in `dir` (state in `dir`/state), the GeoIP fixture. */
export async function spawnDrillServer(dir: string, drillsYaml: string): Promise<ServerProcess> {
  const zones = join(dir, "zones");
  mkdirSync(zones);
  writeFileSync(join(zones, "drill.test.yaml"), DRILL_ZONE);
  const drills = join(dir, "drills.yaml");
  writeFileSync(drills, drillsYaml);
  const geoip = join(dir, "geo.mmdb");
  writeGeoFixture(geoip);
  return spawnServer([
    "--zones",
    zones,
    "--geoip",
    geoip,
    "--state-dir",
    join(dir, "state"),
    "--drills",
    drills,
    "--no-watch",
  ]);
}

/** The last report of drill `name` per the admin API, or null before its first run. */
export async function lastReport(server: ServerProcess, name: string): Promise<DrillReport | null> {
  const status = (await adminCall(server.admin, "GET", "/drills")).body as {
    drills: { name: string; lastReport: DrillReport | null }[];
  };
  return status.drills.find((d) => d.name === name)?.lastReport ?? null;
}
