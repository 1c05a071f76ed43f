/**
 * `make bench`: dnsperf against gslb and against Knot serving the same zone, in the same run, each server
 * pinned to one core (taskset) and dnsperf to the other. Prints QPS of both and the ratio.
 * Bounded: each run lasts BENCH_SECONDS (default 10) and everything started is stopped by PID.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir, availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { waitForDns } from "../../test/helpers/dns-daemon.ts";
import { freePort } from "../../test/helpers/free-port.ts";
import { startKnot } from "../../test/helpers/knot.ts";
import { firstLine, stopChild } from "../../test/helpers/processes.ts";
import { POLICY_ORIGIN, policyQueriesBinary, policyZoneYaml } from "./policy-zone.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const SECONDS = Number(process.env["BENCH_SECONDS"] ?? "10");
const ZONE_FILE = join(ROOT, "test/conformance/zones/shop.test.zone");
const ORIGIN = "shop.test.";

interface Result {
  readonly server: string;
  /** Share of one core the prober used with no query load, when measured. */
  readonly probeCpu?: number;
  readonly qps: number;
  readonly lost: number;
  readonly avgLatencyMs: number;
}

const STATIC_QUERIES = [
  "www A",
  "www AAAA",
  "mail A",
  "ns1 A",
  "@ MX",
  "@ SOA",
  "api A",
  "anything.apps A",
  "nonexistent A",
  "www TXT",
  "host.eu A",
  "_sip._tcp SRV",
];

function queryFile(dir: string): string {
  const lines = STATIC_QUERIES.map((q) => {
    const [name, type] = q.split(" ");
    return `${name === "@" ? ORIGIN : `${name}.${ORIGIN}`} ${type}`;
  });
  const file = join(dir, "queries.txt");
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

const cores = availableParallelism();
const serverCpu = "0";
const clientCpu = cores > 1 ? "1" : "0";

function pinned(cpu: string, cmd: string, args: string[]): [string, string[]] {
  return hasCommand("taskset") ? ["taskset", ["-c", cpu, cmd, ...args]] : [cmd, args];
}

function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

function runDnsperf(label: string, port: number, file: string, extra: string[] = []): Result {
  process.stderr.write(`bench: dnsperf → ${label} for ${SECONDS}s …\n`);
  const [cmd, args] = pinned(clientCpu, "dnsperf", [
    "-s",
    "127.0.0.1",
    "-p",
    String(port),
    "-d",
    file,
    "-l",
    String(SECONDS),
    "-c",
    "8",
    "-q",
    "500",
    "-t",
    "2",
    ...extra,
  ]);
  const out = spawnSync(cmd, args, { encoding: "utf8", timeout: (SECONDS + 30) * 1000 });
  const text = `${out.stdout}${out.stderr}`;
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(text)?.[1] ?? "0");
  const lost = Number(/Queries lost:\s+(\d+)/.exec(text)?.[1] ?? "0");
  const avgLatencyMs = Number(/Average Latency \(s\):\s+([\d.]+)/.exec(text)?.[1] ?? "0") * 1000;
  if (qps === 0) process.stderr.write(text);
  return { server: label, qps, lost, avgLatencyMs };
}

async function startGslb(zonesDir: string, origin = ORIGIN): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const [cmd, args] = pinned(serverCpu, process.execPath, [
    join(ROOT, "src/cli.ts"),
    "serve",
    "--zones",
    zonesDir,
    "--dns",
    `127.0.0.1:${port}`,
    "--admin",
    "off",
    "--log-level",
    "warn",
    "--no-watch",
    "--state-dir",
    join(zonesDir, "..", "state"),
    "--health-start",
    "assume-up",
  ]);
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
  await waitForDns("127.0.0.1", port, origin, () => "gslb did not start");
  return { port, child };
}

async function main(): Promise<void> {
  for (const tool of ["dnsperf", "knotd"]) {
    if (!hasCommand(tool)) throw new Error(`${tool} is missing: run scripts/install-debian-tools.sh bench`);
  }
  const dir = mkdtempSync(join(tmpdir(), "gslb-bench-"));
  try {
    const zonesDir = join(dir, "zones");
    mkdirSync(zonesDir);
    const imported = spawnSync(
      process.execPath,
      [join(ROOT, "src/cli.ts"), "import", ZONE_FILE, "--origin", ORIGIN],
      {
        encoding: "utf8",
      },
    );
    if (imported.status !== 0) throw new Error(`gslb import failed: ${imported.stderr}`);
    writeFileSync(join(zonesDir, "shop.test.yaml"), imported.stdout);
    const file = queryFile(dir);

    const results: Result[] = [];
    const gslb = await startGslb(zonesDir);
    try {
      results.push(runDnsperf("gslb (static)", gslb.port, file));
    } finally {
      await stopChild(gslb.child);
    }
    results.push(...(await policyRuns(dir)));
    const knot = await startKnot([{ origin: ORIGIN, text: readFileSync(ZONE_FILE, "utf8") }], {
      workers: 1,
      cpu: serverCpu,
    });
    try {
      results.push(runDnsperf("knot (static)", knot.port, file));
    } finally {
      await knot.stop();
    }
    report(results);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Policy answers (geo with ECS, weighted, failover, latency), alone and while 1,000 targets are probed every 1 s. */
async function policyRuns(dir: string): Promise<Result[]> {
  const results: Result[] = [];
  const queries = join(dir, "policy-queries.bin");
  writeFileSync(queries, policyQueriesBinary(20_000));
  const plainDir = join(dir, "policy-zones");
  mkdirSync(plainDir);
  writeFileSync(join(plainDir, "bench.test.yaml"), policyZoneYaml());
  const plain = await startGslb(plainDir, POLICY_ORIGIN);
  try {
    results.push(runDnsperf("gslb (policy)", plain.port, queries, ["-B"]));
  } finally {
    await stopChild(plain.child);
  }

  const targets = Number(process.env["BENCH_PROBED_TARGETS"] ?? "1000");
  const [cmd, args] = pinned(clientCpu, process.execPath, [
    join(ROOT, "scripts/bench/tcp-ports.ts"),
    String(targets),
  ]);
  const listener = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const ports = await firstLine(listener);
    const probedDir = join(dir, "probed-zones");
    mkdirSync(probedDir);
    writeFileSync(join(probedDir, "bench.test.yaml"), policyZoneYaml(JSON.parse(ports) as number[]));
    const probed = await startGslb(probedDir, POLICY_ORIGIN);
    try {
      pinProberThread(probed.child.pid!);
      await sleep(3000); // let the first probe rounds settle
      const idle = await cpuShare(probed.child.pid!, 5000);
      const mainThread = await cpuShare(probed.child.pid!, 5000, probed.child.pid!);
      process.stderr.write(
        `bench: query thread with probing and no queries: ${(mainThread * 100).toFixed(1)} % of one core\n`,
      );
      process.stderr.write(
        `bench: ${targets} targets probed every 1 s use ${(idle * 100).toFixed(1)} % of one core (no queries)\n`,
      );
      results.push({ ...runDnsperf(`gslb (policy+probes)`, probed.port, queries, ["-B"]), probeCpu: idle });
    } finally {
      await stopChild(probed.child);
    }
  } finally {
    await stopChild(listener);
  }
  return results;
}

/**
 * Probes run in a worker thread named gslb-prober (off the query path). The server process is pinned to the
 * server core; the prober thread is moved to the other core, as an operator would place it.
 */
function pinProberThread(pid: number): void {
  const tasks = readdirSync(`/proc/${pid}/task`);
  const prober = tasks.find(
    (tid) => readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim() === "gslb-prober",
  );
  if (prober === undefined) {
    process.stderr.write("bench: no gslb-prober thread found: probes run on the query thread\n");
    return;
  }
  spawnSync("taskset", ["-p", "-c", clientCpu, prober], { stdio: "ignore" });
  process.stderr.write(`bench: prober thread ${prober} pinned to cpu ${clientCpu}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The share of one core a process used over `ms` (utime + stime from /proc). */
async function cpuShare(pid: number, ms: number, tid?: number): Promise<number> {
  const stat = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  const ticks = (): number => {
    const fields = readFileSync(stat, "utf8").split(") ")[1]!.split(" ");
    return Number(fields[11]) + Number(fields[12]);
  };
  const before = ticks();
  await sleep(ms);
  return (ticks() - before) / 100 / (ms / 1000);
}

function report(results: readonly Result[]): void {
  const rows = results.map(
    (r) =>
      `${r.server.padEnd(18)} ${r.qps.toFixed(0).padStart(9)} qps  lost ${String(r.lost).padStart(6)}  avg ${r.avgLatencyMs.toFixed(2)} ms`,
  );
  const gslb = results.find((r) => r.server === "gslb (static)");
  const knot = results.find((r) => r.server === "knot (static)");
  process.stdout.write(
    `\nDNS benchmark (${SECONDS}s each, server on cpu ${serverCpu}, dnsperf on cpu ${clientCpu})\n`,
  );
  process.stdout.write(rows.join("\n") + "\n");
  const policy = results.find((r) => r.server === "gslb (policy)");
  const probed = results.find((r) => r.server === "gslb (policy+probes)");
  if (gslb !== undefined && knot !== undefined && knot.qps > 0) {
    process.stdout.write(`ratio gslb/knot (static): ${(gslb.qps / knot.qps).toFixed(3)}\n`);
    if (policy !== undefined)
      process.stdout.write(`ratio gslb policy/knot static: ${(policy.qps / knot.qps).toFixed(3)}\n`);
  }
  if (policy !== undefined && probed !== undefined && policy.qps > 0) {
    process.stdout.write(
      `policy QPS while probing / without: ${(probed.qps / policy.qps).toFixed(3)} (drop ${((1 - probed.qps / policy.qps) * 100).toFixed(1)} %)\n`,
    );
    process.stdout.write(
      `prober CPU with no query load: ${((probed.probeCpu ?? 0) * 100).toFixed(1)} % of one core\n`,
    );
  }
}

await main();
