import { Counter, Gauge, type Registry } from "prom-client";
import { formatProblem } from "../errors.ts";
import type { ZoneEvent, ZoneStore } from "../zones/store.ts";
import type { AdminApi } from "./server.ts";

/** Zone reload metrics: what operators alert on when an edit is rejected. */
export class ZoneMetrics {
  private readonly loads: Counter<"result">;
  private readonly rejectedFiles: Gauge<"file">;
  private readonly lastSuccess: Gauge;

  constructor(registry: Registry) {
    this.loads = new Counter({
      name: "gslb_zone_loads_total",
      help: "Zone file loads, by result (loaded, rejected, removed)",
      labelNames: ["result"],
      registers: [registry],
    });
    this.rejectedFiles = new Gauge({
      name: "gslb_zone_file_rejected",
      help: "1 while the file's latest version is rejected (its last good version keeps serving)",
      labelNames: ["file"],
      registers: [registry],
    });
    this.lastSuccess = new Gauge({
      name: "gslb_zone_last_load_timestamp_seconds",
      help: "When a zone file was last loaded successfully",
      registers: [registry],
    });
  }

  record(event: ZoneEvent): void {
    if (event.type !== "cleared") this.loads.inc({ result: event.type });
    if (event.type === "rejected") {
      this.rejectedFiles.set({ file: event.file }, 1);
    } else {
      this.rejectedFiles.remove({ file: event.file });
      if (event.type === "loaded") this.lastSuccess.set(Date.now() / 1000);
    }
  }
}

export function registerZoneRoutes(api: AdminApi, store: ZoneStore): void {
  api.get("/zones", () => ({
    status: 200,
    body: {
      zones: store.zones().map((z) => ({ zone: z.origin, file: z.file })),
      problems: store.problems().map(formatProblem),
    },
  }));
  api.post("/reload", async () => {
    const report = await store.reload();
    return {
      status: report.problems.length === 0 ? 200 : 422,
      body: { zones: report.zones, changed: report.changed, problems: report.problems.map(formatProblem) },
    };
  });
}
