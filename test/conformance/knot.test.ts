/**
 * Conformance: a zone gslb was never tuned on is served by Knot (the master file) and by gslb (through
 * `gslb import`); a few hundred queries of every kind are sent to both and compared section by section by
 * dnspython. Every accepted difference is listed below with its reason; anything else fails.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKnot, type KnotServer } from "../helpers/knot.ts";
import { startTestServer, type TestServer } from "../helpers/gslb-server.ts";
import { conformanceQueries, type ConformanceQuery } from "./queries.ts";

const ROOT = join(import.meta.dirname, "../..");
const ZONE_FILE = join(import.meta.dirname, "zones/shop.test.zone");

interface Difference {
  readonly query: ConformanceQuery;
  readonly fields: readonly string[];
  readonly a: Record<string, unknown>;
  readonly b: Record<string, unknown>;
}

interface Comparison {
  readonly compared: number;
  /** Queries that got no parseable answer, per server. */
  readonly errors: { readonly a: number; readonly b: number };
  /** Server a's rcodes over the battery: shows the battery covers every kind of answer. */
  readonly rcodes: Readonly<Record<string, number>>;
  readonly differences: readonly Difference[];
}

/** Differences we accept, each with its reason. Empty: gslb answers exactly as Knot does. */
const ACCEPTED: readonly { readonly reason: string; readonly matches: (d: Difference) => boolean }[] = [];

/** Runs compare.py asynchronously: gslb runs in this process and must keep answering meanwhile. */
async function compare(
  a: { host: string; port: number },
  b: { host: string; port: number },
  queries: ConformanceQuery[],
): Promise<Comparison> {
  const child = spawn("/usr/bin/python3", [join(import.meta.dirname, "compare.py")], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(JSON.stringify({ a: [a.host, a.port], b: [b.host, b.port], queries }));
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0) throw new Error(`compare.py failed (Debian python3-dnspython needed): ${stderr}`);
  return JSON.parse(stdout) as Comparison;
}

describe("conformance with Knot on an unseen zone (imported with gslb import)", () => {
  let knot: KnotServer;
  let gslb: TestServer;

  beforeAll(async () => {
    const imported = spawnSync(
      process.execPath,
      [join(ROOT, "src/cli.ts"), "import", ZONE_FILE, "--origin", "shop.test."],
      {
        encoding: "utf8",
      },
    );
    expect(imported.stderr).toBe("");
    expect(imported.status).toBe(0);
    knot = await startKnot([{ origin: "shop.test.", text: readFileSync(ZONE_FILE, "utf8") }]);
    gslb = await startTestServer({ "shop.test.yaml": imported.stdout });
  });

  afterAll(async () => {
    await gslb?.stop();
    await knot?.stop();
  });

  it("answers every query of the battery as Knot does (UDP and TCP, with and without EDNS)", async () => {
    const queries = conformanceQueries();
    expect(queries.length).toBeGreaterThan(300);
    const { compared, errors, rcodes, differences } = await compare(knot, gslb, queries);
    expect(compared).toBe(queries.length);
    expect(errors).toEqual({ a: 0, b: 0 });
    expect(Object.keys(rcodes).sort()).toEqual(["NOERROR", "NXDOMAIN", "REFUSED"]);
    const unexplained = differences.filter((d) => !ACCEPTED.some((a) => a.matches(d)));
    expect(unexplained).toEqual([]);
  });

  it("would see a difference: a zone that differs in one address and one TTL is caught", async () => {
    const altered = readFileSync(ZONE_FILE, "utf8")
      .replace("www     IN  A   198.51.100.80", "www     IN  A   198.51.100.99")
      .replace("ns2 600 IN  A", "ns2 601 IN  A");
    const imported = spawnSync(
      process.execPath,
      [join(ROOT, "src/cli.ts"), "import", "-", "--origin", "shop.test."],
      {
        input: altered,
        encoding: "utf8",
      },
    );
    expect(imported.status).toBe(0);
    const other = await startTestServer({ "shop.test.yaml": imported.stdout });
    try {
      const queries = conformanceQueries().filter((q) => /^(www|ns2|WwW)\./.test(q.name));
      const { differences } = await compare(knot, other, queries);
      const names = new Set(differences.map((d) => d.query.name.toLowerCase()));
      expect([...names].sort()).toEqual(["ns2.shop.test.", "www.shop.test."]);
    } finally {
      await other.stop();
    }
  });
});
