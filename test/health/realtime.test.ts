/**
 * Real time, real sockets: an HTTP backend probed every 1 s with fall 3 / rise 2. Killing it turns the
 * view down within 4 s; bringing it back turns it up after two good probes. (The one timed test of the
 * health suite: it is what the acceptance promises.)
 */
import { createServer, type Server } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { checkSchema } from "../../src/health/check-schema.ts";
import { Scheduler } from "../../src/health/scheduler.ts";
import { targetKey } from "../../src/health/table.ts";
import { close, listen } from "./helpers.ts";

let server: Server | undefined;
afterAll(async () => {
  if (server !== undefined) await close(server);
});

function waitFor(scheduler: Scheduler, key: string, state: "up" | "down"): Promise<number> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (
        scheduler.getCurrent().target(key).state === state &&
        scheduler.getCurrent().target(key).source === "probe"
      ) {
        unsubscribe();
        resolve(Date.now());
      }
    };
    const unsubscribe = scheduler.subscribe(check);
    check();
  });
}

describe("real-time failover of an HTTP backend", () => {
  it("goes down within 4 s of the kill and comes back after rise 2", async () => {
    server = createServer((_req, res) => res.end("ok"));
    const port = await listen(server);
    const checks = new Map([
      [
        "web",
        checkSchema.parse({
          kind: "http",
          path: "/",
          interval: "1s",
          timeout: "400ms",
          fall: 3,
          rise: 2,
          jitter: 0,
        }),
      ],
    ]);
    const scheduler = new Scheduler({ maxConcurrent: 4 });
    const address = `127.0.0.1:${port}`;
    const key = targetKey("web", address);
    try {
      scheduler.setTargets([{ check: "web", address: address }], checks);
      await waitFor(scheduler, key, "up");

      const killedAt = Date.now();
      await close(server);
      server = undefined;
      const downAt = await waitFor(scheduler, key, "down");
      expect(downAt - killedAt).toBeLessThanOrEqual(4000);
      expect(scheduler.probeState(key)?.flaps).toBe(1);

      server = createServer((_req, res) => res.end("ok"));
      await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
      const restoredAt = Date.now();
      const upAt = await waitFor(scheduler, key, "up");
      expect(upAt - restoredAt).toBeGreaterThanOrEqual(900);
      expect(upAt - restoredAt).toBeLessThanOrEqual(3500);
    } finally {
      await scheduler.stop();
    }
  }, 12_000);
});
