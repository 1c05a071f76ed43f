import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSchema, type CheckInput } from "../../../src/health/check-schema.ts";
import type { CheckLookup } from "../../../src/health/probes/registry.ts";
import { startHealthService } from "../../../src/health/service.ts";
import { targetKey, type HealthView } from "../../../src/health/table.ts";
import { PROBER_THREAD_NAME, ProbeWorker } from "../../../src/health/worker/client.ts";
import { freePort } from "../../helpers/free-port.ts";
import { close, listen } from "../helpers.ts";

let open: Server;
let openPort: number;
let closedPort: number;
let hanging: HttpServer;
let hangingPort: number;
const requests: IncomingMessage[] = [];

beforeAll(async () => {
  open = createServer((socket) => socket.destroy());
  openPort = await listen(open);
  closedPort = await freePort();
  hanging = createHttpServer((req) => void requests.push(req));
  hangingPort = await listen(hanging);
});
afterAll(async () => {
  await new Promise<void>((resolve) => open.close(() => resolve()));
  await close(hanging);
});

function checks(defs: Record<string, CheckInput>): CheckLookup {
  return new Map(Object.entries(defs).map(([name, def]) => [name, checkSchema.parse(def)]));
}

/** Threads of this process named gslb-prober (Linux: /proc/self/task/<tid>/comm). */
function proberThreads(): number {
  return readdirSync("/proc/self/task").filter(
    (tid) => readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim() === PROBER_THREAD_NAME,
  ).length;
}

/** The next request the hanging server receives. */
function nextRequest(): Promise<IncomingMessage> {
  const seen = requests.length;
  return new Promise((resolve) => {
    const poll = (): void => (requests.length > seen ? resolve(requests[seen]!) : void setTimeout(poll, 5));
    poll();
  });
}

const slow = checks({ slow: { kind: "http", path: "/", interval: "60s", timeout: "60s" } });
const tcp = checks({ tcp: { kind: "tcp", interval: "1s", timeout: "500ms" } });

describe.runIf(existsSync("/proc/self/task"))("probe worker (gslb-prober)", () => {
  it.each([
    { name: "a listening port is up", port: () => openPort, state: "up" },
    { name: "a closed port is down", port: () => closedPort, state: "down" },
  ])("runs the service's probes in the worker: $name", async ({ port, state }) => {
    const service = await startHealthService({ healthyRegions: () => [], answersByRegion: () => new Map() });
    const key = targetKey("tcp", `127.0.0.1:${port()}`);
    try {
      service.setTargets([{ check: "tcp", address: `127.0.0.1:${port()}` }], tcp);
      await service.firstRound();
      const health = service.getCurrent().target(key);
      expect(health).toMatchObject({ state, source: "probe" });
      expect(proberThreads()).toBe(1);
    } finally {
      await service.stop();
    }
    expect(proberThreads()).toBe(0);
  });

  it("with probeThreads 0 runs probes in-process (no worker thread)", async () => {
    const service = await startHealthService({
      probeThreads: 0,
      healthyRegions: () => [],
      answersByRegion: () => new Map(),
    });
    try {
      service.setTargets([{ check: "tcp", address: `127.0.0.1:${openPort}` }], tcp);
      await service.firstRound();
      expect(stateOf(service.getCurrent(), `127.0.0.1:${openPort}`)).toBe("up");
      expect(proberThreads()).toBe(0);
    } finally {
      await service.stop();
    }
  });

  it("forwards an abort: the worker cancels the request (the backend sees the connection close)", async () => {
    const worker = new ProbeWorker();
    try {
      const probe = worker.factory("slow", slow);
      const controller = new AbortController();
      const arrived = nextRequest();
      const result = probe.run({ host: "127.0.0.1", port: hangingPort }, controller.signal);
      const request = await arrived;
      const closed = new Promise<void>((resolve) => request.socket.once("close", () => resolve()));
      controller.abort();
      expect(await result).toMatchObject({ ok: false, outcome: "error", detail: "cancelled" });
      await closed; // without the cancel the worker would hold it for the check's 60 s timeout
      expect(worker.inFlight()).toBe(0);
    } finally {
      await worker.stop();
    }
  }, 5000);

  it("restarts a worker that died: in-flight probes fail as error, the next probe runs in a new worker, one log line", async () => {
    const warnings: unknown[] = [];
    const worker = new ProbeWorker({
      entry: new URL("./crashing-entry.ts", import.meta.url),
      logger: { warn: (...args: unknown[]) => void warnings.push(args) },
    });
    try {
      const hang = worker.factory("slow", slow);
      const quick = worker.factory("tcp", tcp);
      const arrived = nextRequest();
      const inFlight = hang.run({ host: "127.0.0.1", port: hangingPort }, new AbortController().signal);
      await arrived;
      const first = worker.threadId();
      const crash = quick.run({ host: "crash.invalid", port: 80 }, new AbortController().signal);
      expect(await inFlight).toMatchObject({
        ok: false,
        outcome: "error",
        detail: "probe worker exited (code 3)",
      });
      expect(await crash).toMatchObject({ ok: false, outcome: "error" });
      expect(warnings).toHaveLength(1);

      expect(
        await quick.run({ host: "127.0.0.1", port: openPort }, new AbortController().signal),
      ).toMatchObject({ ok: true, outcome: "ok" });
      expect(
        await quick.run({ host: "127.0.0.1", port: closedPort }, new AbortController().signal),
      ).toMatchObject({ ok: false, outcome: "error" });
      expect(worker.threadId()).not.toBe(first);
      expect(warnings).toHaveLength(1);
    } finally {
      await worker.stop();
    }
  });

  it("stop() terminates the thread and later runs fail without one", async () => {
    const worker = new ProbeWorker();
    const probe = worker.factory("tcp", tcp);
    expect(
      await probe.run({ host: "127.0.0.1", port: openPort }, new AbortController().signal),
    ).toMatchObject({ ok: true });
    expect(proberThreads()).toBe(1);
    await worker.stop();
    expect(proberThreads()).toBe(0);
    expect(worker.threadId()).toBeUndefined();
    expect(
      await probe.run({ host: "127.0.0.1", port: openPort }, new AbortController().signal),
    ).toMatchObject({ ok: false, outcome: "error", detail: "probe worker stopped" });
  });

  it.each([
    { name: "a composite's members are built in the worker", check: "both", ok: true },
    { name: "a composite with a closed member fails", check: "strict", ok: false },
  ])("$name", async ({ check, ok }) => {
    const worker = new ProbeWorker();
    const defs = checks({
      open: { kind: "tcp", port: openPort, interval: "1s", timeout: "500ms" },
      closed: { kind: "tcp", port: closedPort, interval: "1s", timeout: "500ms" },
      both: { kind: "composite", mode: "any", checks: ["open", "closed"], interval: "1s", timeout: "500ms" },
      strict: {
        kind: "composite",
        mode: "all",
        checks: ["open", "closed"],
        interval: "1s",
        timeout: "500ms",
      },
    });
    try {
      const result = await worker
        .factory(check, defs)
        .run({ host: "127.0.0.1" }, new AbortController().signal);
      expect(result.ok).toBe(ok);
      expect(result.detail).toMatch(/passed, need/);
    } finally {
      await worker.stop();
    }
  });

  it("refuses a composite with an unknown member before anything reaches the worker", () => {
    const worker = new ProbeWorker();
    const defs = checks({
      both: { kind: "composite", checks: ["missing"], interval: "1s", timeout: "500ms" },
    });
    expect(() => worker.factory("both", defs)).toThrow(/unknown check "missing"/);
    expect(worker.threadId()).toBeUndefined();
  });
});

function stateOf(view: HealthView, address: string): string {
  return view.target(targetKey("tcp", address)).state;
}
