/**
 * Prober micro-benchmark: N TCP targets on 127.0.0.1 (one helper process listening on N ports) probed
 * every 1 s through the health service, in the worker (`--probe-threads 1`) and in-process (`0`).
 * Prints, per mode, the CPU share of one core used by the main (query) thread, by the gslb-prober worker
 * thread and by the whole process, and the probe results per second.
 *
 *   node scripts/bench/probes.ts [--threads 0|1|both] [--targets 1000] [--seconds 10]
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Registry } from "prom-client";
import { checkSchema } from "../../src/health/check-schema.ts";
import { startHealthService } from "../../src/health/service.ts";
import { PROBER_THREAD_NAME } from "../../src/health/worker/client.ts";
import { firstLine, stopChild } from "../../test/helpers/processes.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const TICKS_PER_SECOND = 100;

const { values } = parseArgs({
  options: {
    threads: { type: "string", default: "both" },
    targets: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
  },
});
const TARGETS = Number(values.targets);
const SECONDS = Number(values.seconds);
const MODES: readonly (0 | 1)[] = values.threads === "both" ? [1, 0] : [values.threads === "0" ? 0 : 1];

interface Sample {
  readonly wallMs: number;
  readonly mainUs: number;
  readonly processUs: number;
  readonly workerTicks: number;
  readonly mainWakes: number;
  readonly results: number;
}

async function main(): Promise<void> {
  const listener = spawn(process.execPath, [join(ROOT, "scripts/bench/tcp-ports.ts"), String(TARGETS)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const ports = JSON.parse(await firstLine(listener)) as number[];
    const rows: string[] = [];
    for (const mode of MODES) rows.push(await measure(mode, ports));
    process.stdout.write(
      `\nprobe benchmark: ${TARGETS} TCP targets, 1 s interval, ${SECONDS} s (share of one core)\n`,
    );
    process.stdout.write(rows.join("\n") + "\n");
  } finally {
    await stopChild(listener);
  }
}

async function measure(threads: 0 | 1, ports: readonly number[]): Promise<string> {
  const registry = new Registry();
  const service = await startHealthService({
    initial: "up",
    probeThreads: threads,
    maxConcurrent: 256,
    registry,
    healthyRegions: () => [],
    answersByRegion: () => new Map(),
  });
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    const checks = new Map([["tcp", checkSchema.parse({ kind: "tcp", interval: "1s", timeout: "500ms" })]]);
    service.setTargets(
      ports.map((port) => ({ check: "tcp", address: `127.0.0.1:${port}` })),
      checks,
    );
    await sleep(2000);
    const before = await sample(registry);
    await sleep(SECONDS * 1000);
    const after = await sample(registry);
    return row(threads, before, after);
  } finally {
    clearInterval(keepAlive);
    await service.stop();
  }
}

async function sample(registry: Registry): Promise<Sample> {
  const main = process.threadCpuUsage();
  const all = process.cpuUsage();
  return {
    wallMs: performance.now(),
    mainUs: main.user + main.system,
    processUs: all.user + all.system,
    workerTicks: proberTicks(),
    mainWakes: mainThreadWakes(),
    results: await probeResults(registry),
  };
}

function row(threads: 0 | 1, a: Sample, b: Sample): string {
  const seconds = (b.wallMs - a.wallMs) / 1000;
  const share = (us: number): string => `${((us / 1e6 / seconds) * 100).toFixed(1).padStart(5)} %`;
  const worker = threads === 1 ? share(((b.workerTicks - a.workerTicks) / TICKS_PER_SECOND) * 1e6) : "    - ";
  const rate = ((b.results - a.results) / seconds).toFixed(0);
  const wakes = ((b.mainWakes - a.mainWakes) / seconds).toFixed(0);
  return `--probe-threads ${threads}: main thread ${share(b.mainUs - a.mainUs)} (${wakes} wakes/s)  worker ${worker}  process ${share(b.processUs - a.processUs)}  ${rate} results/s`;
}

/** utime + stime (clock ticks) of the thread named gslb-prober, from /proc/self/task. */
function proberTicks(): number {
  let ticks = 0;
  for (const tid of readdirSync("/proc/self/task")) {
    const dir = `/proc/self/task/${tid}`;
    if (readFileSync(`${dir}/comm`, "utf8").trim() !== PROBER_THREAD_NAME) continue;
    const fields = readFileSync(`${dir}/stat`, "utf8").split(") ")[1]!.split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks;
}

/** Voluntary context switches of the main thread: how often its event loop slept and woke. */
function mainThreadWakes(): number {
  const status = readFileSync(`/proc/self/task/${process.pid}/status`, "utf8");
  return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? "0");
}

async function probeResults(registry: Registry): Promise<number> {
  const metric = registry.getSingleMetric("gslb_health_probe_results_total");
  if (metric === undefined) return 0;
  const { values: series } = await metric.get();
  return series.reduce((sum, s) => sum + s.value, 0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

await main();
