/**
 * `make bench-proxy`: wrk through gslb's proxy and through nginx (Debian), with the same three backends in
 * the same run and one proxy core each (taskset). Prints rps, p50/p99 and the ratios the issue asks for:
 * throughput ≥ 0.35 × nginx, p99 ≤ 3 × nginx. Each wrk run is bounded (BENCH_SECONDS, default 8 s).
 *
 * Backends: one nginx worker answering "ok" on three ports (cheap, identical for both proxies).
 * CPU placement with 2+ cores: the proxy under test on CPU 0; backends and wrk on the other CPUs.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";

const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 8);
const CONNECTIONS = Number(process.env["BENCH_CONNECTIONS"] ?? 32);
const cpus = availableParallelism();
const PROXY_CPU = "0";
const OTHER_CPUS = cpus > 1 ? `1-${cpus - 1}` : "0";

function need(command: string): void {
  if (spawnSync("sh", ["-c", `command -v ${command} || test -x /usr/sbin/${command}`]).status !== 0) {
    process.stderr.write(`bench-proxy: ${command} is missing; run scripts/install-debian-tools.sh proxy-bench\n`);
    process.exit(2);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`);
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing answers on port ${port}`);
}

function nginxBinary(): string {
  return spawnSync("sh", ["-c", "command -v nginx || echo /usr/sbin/nginx"]).stdout.toString().trim();
}

function startNginx(dir: string, name: string, body: string, cpu: string): ChildProcess {
  const conf = join(dir, `${name}.conf`);
  writeFileSync(
    conf,
    `daemon off; master_process off; worker_processes 1; pid ${join(dir, name)}.pid; error_log ${join(dir, name)}.err warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path ${dir}/${name}-body; proxy_temp_path ${dir}/${name}-proxy;
  fastcgi_temp_path ${dir}/${name}-fcgi; uwsgi_temp_path ${dir}/${name}-uwsgi; scgi_temp_path ${dir}/${name}-scgi;
  keepalive_requests 100000;
${body}
}
`,
  );
  return spawn("taskset", ["-c", cpu, nginxBinary(), "-p", dir, "-c", conf], { stdio: ["ignore", "ignore", "inherit"] });
}

interface WrkResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: string;
}

function toMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (match === null) return NaN;
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
}

function runWrk(port: number): WrkResult {
  const out = spawnSync("taskset", ["-c", OTHER_CPUS, "wrk", "-t1", `-c${CONNECTIONS}`, `-d${SECONDS}s`, "--latency", `http://127.0.0.1:${port}/`], {
    encoding: "utf8",
    timeout: (SECONDS + 20) * 1000,
  }).stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p50 = toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? "");
  const p99 = toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? "");
  const errors = /Non-2xx or 3xx responses: \d+|Socket errors:.*/.exec(out)?.[0] ?? "none";
  return { rps, p50, p99, errors };
}

async function main(): Promise<number> {
  need("wrk");
  need("nginx");
  need("taskset");
  const dir = mkdtempSync(join(tmpdir(), "gslb-bench-proxy-"));
  const children: ChildProcess[] = [];
  try {
    const backendPorts = [await freePort(), await freePort(), await freePort()];
    const backendServers = backendPorts
      .map((p) => `  server { listen 127.0.0.1:${p}; location / { return 200 "ok\\n"; } }`)
      .join("\n");
    children.push(startNginx(dir, "backends", backendServers, OTHER_CPUS));
    for (const p of backendPorts) await waitForPort(p);

    const nginxPort = await freePort();
    const upstream = `  upstream app { ${backendPorts.map((p) => `server 127.0.0.1:${p};`).join(" ")} keepalive 64; }
  server { listen 127.0.0.1:${nginxPort}; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } }`;
    const nginxProxy = startNginx(dir, "nginx-proxy", upstream, PROXY_CPU);
    children.push(nginxProxy);
    await waitForPort(nginxPort);

    const gslbPort = await freePort();
    const config = join(dir, "proxy.yaml");
    writeFileSync(
      config,
      `listeners: [{ address: 127.0.0.1:${gslbPort} }]
admin: { address: 127.0.0.1:${await freePort()} }
routes: [{ upstream: app }]
upstreams:
  app:
    balancer: round-robin
    servers:
${backendPorts.map((p) => `      - { address: 127.0.0.1:${p} }`).join("\n")}
`,
    );
    const code = "const m = await import(process.argv[1]); process.exitCode = await m.runProxyCommand(process.argv.slice(2));";
    const cli = new URL("../../src/proxy/cli.ts", import.meta.url).href;
    const gslb = spawn("taskset", ["-c", PROXY_CPU, process.execPath, "--input-type=module", "-e", code, "--", cli, "--config", config, "--log-level", "warn"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.push(gslb);
    await waitForPort(gslbPort);

    // Warm both (JIT, keep-alive pools), then measure nginx and gslb back to back.
    spawnSync("wrk", ["-t1", "-c8", "-d1s", `http://127.0.0.1:${nginxPort}/`]);
    spawnSync("wrk", ["-t1", "-c8", "-d2s", `http://127.0.0.1:${gslbPort}/`]);
    const nginx = runWrk(nginxPort);
    const ours = runWrk(gslbPort);

    const row = (name: string, r: WrkResult) =>
      `${name.padEnd(12)} ${r.rps.toFixed(0).padStart(9)} ${r.p50.toFixed(2).padStart(9)} ${r.p99.toFixed(2).padStart(9)}   ${r.errors}`;
    const ratio = ours.rps / nginx.rps;
    const p99Ratio = ours.p99 / nginx.p99;
    process.stdout.write(
      `proxy bench: wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, 3 backends, proxy pinned to CPU ${PROXY_CPU} (${cpus} CPUs)\n` +
        `${"proxy".padEnd(12)} ${"rps".padStart(9)} ${"p50 ms".padStart(9)} ${"p99 ms".padStart(9)}   errors\n` +
        `${row("nginx", nginx)}\n${row("gslb proxy", ours)}\n` +
        `throughput ratio ${ratio.toFixed(2)} (target >= 0.35), p99 ratio ${p99Ratio.toFixed(2)} (target <= 3)\n`,
    );
    return ratio >= 0.35 && p99Ratio <= 3 ? 0 : 1;
  } finally {
    for (const child of children) if (child.pid !== undefined && child.exitCode === null) child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    for (const child of children) if (child.pid !== undefined && child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
