/**
 * The CLI as a user runs it: `node src/cli.ts …` in a child process. Help and exit codes, `check` on good and
 * broken zone files, `import` whose output `check` accepts, and `serve` answering dig, reloading on a file
 * change (keeping the last good zone when the change is invalid) and on SIGHUP, and exiting 0 on SIGTERM.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { digShort } from "../helpers/dig.ts";
import { freePort } from "../helpers/free-port.ts";
import { CLI, ROOT, runGslb } from "../helpers/gslb-cli.ts";
import { tempDirs } from "../helpers/temp-dir.ts";

const children = new Set<ChildProcess>();
const dirs = tempDirs("cli");

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(child.pid, "SIGKILL");
      await exited;
    }
  }
  dirs.removeAll();
});

function startCli(args: readonly string[]): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function collect(child: ChildProcess): {
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
} {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { out: () => stdout, err: () => stderr, exited };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks until the answer equals `expected` (at most `ms`); returns the last answer. */
async function digUntil(
  port: number,
  name: string,
  expected: readonly string[],
  ms = 8000,
): Promise<string[] | null> {
  const until = Date.now() + ms;
  let answer = await digShort(port, name);
  while (JSON.stringify(answer) !== JSON.stringify(expected) && Date.now() < until) {
    await sleep(100);
    answer = await digShort(port, name);
  }
  return answer;
}

const zoneYaml = (address: string): string => `zone: cli.test.
ttl: 60
records:
  "@":
    SOA: ns1 hostmaster 1 3600 600 86400 60
    NS: ns1
  ns1:
    A: 192.0.2.1
  www:
    A: ${address}
`;

interface Serving {
  readonly port: number;
  readonly file: string;
  readonly child: ChildProcess;
  readonly log: () => string;
  readonly exited: Promise<number | null>;
}

async function serve(extra: readonly string[] = []): Promise<Serving> {
  const dir = dirs.make();
  const file = join(dir, "cli.test.yaml");
  writeFileSync(file, zoneYaml("192.0.2.10"));
  const port = await freePort();
  const args = [
    "serve",
    "--zones",
    dir,
    "--dns",
    `127.0.0.1:${port}`,
    "--admin",
    "off",
    "--state-dir",
    join(dirs.make(), "state"),
  ];
  const child = startCli([...args, ...extra]);
  const io = collect(child);
  const until = Date.now() + 15_000;
  // Logs are JSON lines on stderr.
  while (!io.err().includes('"serving"')) {
    if (child.exitCode !== null || Date.now() > until) {
      throw new Error(`gslb serve did not start (exit ${child.exitCode}):\n${io.out()}\n${io.err()}`);
    }
    await sleep(50);
  }
  return { port, file, child, log: io.err, exited: io.exited };
}

async function stop(server: Serving): Promise<number | null> {
  server.child.kill("SIGTERM");
  return server.exited;
}

describe("help and usage errors", () => {
  it("gslb --help lists the commands and exits 0; each command's --help prints its usage and exits 0", async () => {
    const top = await runGslb(["--help"]);
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z]+) {2,}\S/gm)].map((m) => m[1]!);
    expect(commands).toEqual(expect.arrayContaining(["serve", "check", "import"]));
    const helps = await Promise.all(commands.map((c) => runGslb([c, "--help"])));
    for (const [i, help] of helps.entries()) {
      expect({ command: commands[i], code: help.code }).toEqual({ command: commands[i], code: 0 });
      expect(help.stdout).toMatch(new RegExp(`^Usage:\\s+gslb ${commands[i]}\\b`));
    }
  });

  it.each([
    ["an unknown command", ["frobnicate"], /unknown command "frobnicate"/],
    ["no command", [], /Usage: gslb <command>/],
    ["an unknown option", ["check", "--frob", "zones"], /frob/],
    ["check without a path", ["check"], /expected one DIR or FILE/],
    ["import without --origin", ["import", "x.zone"], /--origin/],
  ])("%s exits 2 with the usage", async (_name, args, message) => {
    const result = await runGslb(args);
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).toMatch(message);
  });
});

describe("gslb check", () => {
  it("accepts the bundled zones/ (exit 0)", async () => {
    const result = await runGslb(["check", "zones"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
  });

  it("lists every problem of a directory as file:line: path: reason and exits 1", async () => {
    const dir = dirs.make();
    writeFileSync(
      join(dir, "broken.test.yaml"),
      `zone: broken.test.
ttl: 300
records:
  "@":
    SOA: ns1 hostmaster 1 3600 600 86400 300
    NS: ns1
  ns1:
    A: 192.0.2.300
  www:
    AAAA: not-an-address
    MX: "ten mail"
`,
    );
    writeFileSync(
      join(dir, "other.test.yaml"),
      'zone: other.test.\nttl: -5\nrecords:\n  "@":\n    SOA: ns1 hostmaster 1 3600 600 86400 300\n',
    );
    writeFileSync(join(dir, "fine.test.yaml"), zoneYaml("192.0.2.10").replace("cli.test.", "fine.test."));
    const result = await runGslb(["check", dir]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    const problems = lines.slice(0, -1);
    expect(lines.at(-1)).toBe(`${problems.length} problems in ${dir}`);
    for (const line of problems) expect(line).toMatch(/^\S+\.yaml:\d+: \S+: .+$/);
    const where = problems.map((l) => l.split(": ").slice(0, 2).join(": "));
    expect(where).toEqual(
      expect.arrayContaining([
        `${join(dir, "broken.test.yaml")}:8: records.ns1.A`,
        `${join(dir, "broken.test.yaml")}:10: records.www.AAAA`,
        `${join(dir, "broken.test.yaml")}:11: records.www.MX`,
        `${join(dir, "other.test.yaml")}:2: ttl`,
      ]),
    );
    expect(result.stderr).not.toContain("fine.test.yaml");
  });

  it("checks a single file too", async () => {
    const dir = dirs.make();
    const file = join(dir, "cli.test.yaml");
    writeFileSync(file, zoneYaml("192.0.2.10"));
    expect((await runGslb(["check", file])).code).toBe(0);
    writeFileSync(file, zoneYaml("192.0.2.1000"));
    const bad = await runGslb(["check", file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${file}:10: records.www.A:`);
  });
});

describe("gslb import", () => {
  it("turns a master file into YAML that gslb check accepts", async () => {
    const dir = dirs.make();
    const master = join(dir, "db.imported.test");
    writeFileSync(
      master,
      `$ORIGIN imported.test.
$TTL 300
@ IN SOA ns1 hostmaster ( 1 3600 600
   86400 300 ) ; serial refresh retry expire minimum
  IN NS ns1
ns1 IN A 192.0.2.1
www 60 IN A 192.0.2.10
txt IN TXT "hello" "world"
mail IN MX 10 ns1
`,
    );
    const result = await runGslb(["import", master, "--origin", "imported.test."]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^zone: imported\.test\.$/m);
    const zones = dirs.make();
    writeFileSync(join(zones, "imported.test.yaml"), result.stdout);
    expect(await runGslb(["check", zones])).toMatchObject({ code: 0, stderr: "" });
  });

  it("rejects a broken master file with file:line and exit 1", async () => {
    const dir = dirs.make();
    const master = join(dir, "db.bad");
    writeFileSync(master, "$TTL 300\n@ IN SOA ns1 hostmaster 1 2 3 4 5\nwww IN A 192.0.2.999\n");
    const result = await runGslb(["import", master, "--origin", "bad.test."]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${master}:3:`);
  });
});

describe("gslb serve", () => {
  it("answers dig on the given port and exits 0 on SIGTERM", async () => {
    const server = await serve();
    expect(await digShort(server.port, "www.cli.test")).toEqual(["192.0.2.10"]);
    expect(await stop(server)).toBe(0);
  });

  it("rejects an invalid edit, keeps serving the last good zone, and picks up the fixed file", async () => {
    const server = await serve();
    try {
      expect(await digShort(server.port, "www.cli.test")).toEqual(["192.0.2.10"]);
      writeFileSync(server.file, zoneYaml("192.0.2.10").replace("A: 192.0.2.10", "A: 192.0.2.1O"));
      const until = Date.now() + 8000;
      while (!server.log().includes("zone file rejected") && Date.now() < until) await sleep(50);
      expect(server.log()).toContain("zone file rejected");
      expect(server.log()).toContain(`${server.file}:10: records.www.A`);
      expect(await digShort(server.port, "www.cli.test")).toEqual(["192.0.2.10"]);

      writeFileSync(server.file, zoneYaml("192.0.2.20"));
      expect(await digUntil(server.port, "www.cli.test", ["192.0.2.20"])).toEqual(["192.0.2.20"]);
    } finally {
      expect(await stop(server)).toBe(0);
    }
  });

  it("with --no-watch, reloads on SIGHUP", async () => {
    const server = await serve(["--no-watch"]);
    try {
      writeFileSync(server.file, zoneYaml("192.0.2.30"));
      // Longer than the watcher's debounce: a watching server would have reloaded by now.
      await sleep(600);
      expect(await digShort(server.port, "www.cli.test")).toEqual(["192.0.2.10"]);
      server.child.kill("SIGHUP");
      expect(await digUntil(server.port, "www.cli.test", ["192.0.2.30"])).toEqual(["192.0.2.30"]);
    } finally {
      expect(await stop(server)).toBe(0);
    }
  });
});

describe("gslb explain --admin: exit 1 when the server fails, 2 only for usage errors", () => {
  /** A stand-in admin API answering every request with one canned response. */
  async function fakeAdmin(status: number, body: string): Promise<{ address: string; server: Server }> {
    const server = createServer((_req, res) => {
      res.writeHead(status, { "content-type": "application/json" }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    return { address: `127.0.0.1:${port}`, server };
  }

  const explanation = JSON.stringify({
    name: "www.cli.test.",
    type: "A",
    client: "192.0.2.1/32",
    outcome: "answer",
    zone: "cli.test.",
    records: [],
  });
  it.each([
    ["the server answers", 0, 200, explanation, /www\.cli\.test\. A for client 192\.0\.2\.1\/32: answer/],
    ["the server refuses the query (400)", 1, 400, JSON.stringify({ error: "bad client" }), /: bad client$/m],
    ["the server fails (500)", 1, 500, JSON.stringify({ error: "boom" }), /: boom$/m],
    ["the server answers something that is not JSON", 1, 502, "<html>bad gateway</html>", /HTTP 502/],
  ])("%s → exit %i", async (_what, code, status, body, message) => {
    const admin = await fakeAdmin(status, body);
    try {
      const result = await runGslb([
        "explain",
        "www.cli.test",
        "A",
        "--client",
        "192.0.2.1",
        "--admin",
        admin.address,
      ]);
      expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({
        code,
        output: expect.stringMatching(message),
      });
      expect(result.stderr).not.toContain("Usage:");
    } finally {
      admin.server.close();
    }
  });

  it("a server that is not there → exit 1 naming the address", async () => {
    const port = await freePort();
    const result = await runGslb([
      "explain",
      "www.cli.test",
      "A",
      "--client",
      "192.0.2.1",
      "--admin",
      `127.0.0.1:${port}`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`cannot reach the admin API at 127\\.0\\.0\\.1:${port}: ECONNREFUSED`),
    );
  });

  it.each([
    ["a malformed --admin", ["--client", "192.0.2.1", "--admin", "127.0.0.1/x"], /--admin must be ADDR:PORT/],
    ["no --client", ["--admin", "127.0.0.1:1"], /--client/],
    ["a bad client", ["--client", "not-an-ip", "--admin", "127.0.0.1:1"], /bad client/],
  ])("%s → exit 2 with the usage", async (_what, args, message) => {
    const result = await runGslb(["explain", "www.cli.test", "A", ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("Usage: gslb explain");
  });
});
