import { mkdtemp, rename, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatProblem } from "../../src/errors.ts";
import { checkPath, loadZones } from "../../src/zones/loader.ts";
import { lookup } from "../../src/zones/lookup.ts";
import { ZoneStore } from "../../src/zones/store.ts";
import type { ZoneEvent } from "../../src/zones/store.ts";
import { watchZones } from "../../src/zones/watch.ts";

const zoneText = (origin: string, address: string, serial = 1): string => `zone: ${origin}
records:
  "@":
    SOA: ns1 hostmaster ${serial} 7200 3600 1209600 300
    NS: ns1
  ns1: { A: 192.0.2.53 }
  www: { A: ${address} }
`;

const wwwAddress = (store: ZoneStore, origin: string): string | undefined => {
  const rdata = lookup(store.current(), `www.${origin}`, 1).answer[0]?.rdata[0];
  return rdata?.kind === "A" ? rdata.address : undefined;
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gslb-zones-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadZones and checkPath", () => {
  it("loads every zone file of a directory, skipping hidden and other files", async () => {
    await writeFile(join(dir, "example.com.yaml"), zoneText("example.com.", "192.0.2.1"));
    await writeFile(join(dir, "example.net.yml"), zoneText("example.net.", "192.0.2.2"));
    await writeFile(join(dir, ".example.org.yaml.swp"), "junk");
    await writeFile(join(dir, "README.md"), "junk");
    const result = await loadZones(dir);
    expect(result.problems).toEqual([]);
    expect(result.zones.map((z) => z.origin)).toEqual(["example.com.", "example.net."]);
    expect(lookup(result.set, "www.example.net.", 1).kind).toBe("answer");
  });

  it("loads one file", async () => {
    const file = join(dir, "example.com.yaml");
    await writeFile(file, zoneText("example.com.", "192.0.2.1"));
    expect((await loadZones(file)).zones).toHaveLength(1);
    expect(await checkPath(file)).toEqual([]);
  });

  it("reports every problem of every file, and the same zone in two files", async () => {
    await writeFile(join(dir, "a.example.yaml"), "zone: a.example.\nrecords:\n  www: { A: 192.0.2.300 }\n");
    await writeFile(join(dir, "example.com.yaml"), zoneText("example.com.", "192.0.2.1"));
    await writeFile(join(dir, "example.com.yml"), zoneText("example.com.", "192.0.2.2"));
    const problems = (await checkPath(dir)).map(formatProblem);
    expect(problems).toEqual([
      `${join(dir, "a.example.yaml")}:2: records: the zone has no SOA record at the apex ("@")`,
      `${join(dir, "a.example.yaml")}:2: records: the zone has no NS records at the apex ("@")`,
      `${join(dir, "a.example.yaml")}:3: records.www.A: "192.0.2.300" is not an IPv4 address`,
      `${join(dir, "example.com.yml")}:1: zone: zone example.com. is already loaded from example.com.yaml`,
    ]);
  });

  it("reports a missing path and an empty directory", async () => {
    expect((await checkPath(join(dir, "nope"))).map(formatProblem)).toEqual([`${join(dir, "nope")}:0: (root): cannot read: ENOENT`]);
    expect((await checkPath(dir)).map((p) => p.reason)).toEqual(["no zone files (*.yaml, *.yml) found"]);
  });
});

describe("ZoneStore", () => {
  it("swaps in a changed file and keeps the last good version of an invalid one", async () => {
    const file = join(dir, "example.com.yaml");
    await writeFile(file, zoneText("example.com.", "192.0.2.1"));
    const events: ZoneEvent[] = [];
    const { store, report } = await ZoneStore.open(dir, { onEvent: (e) => events.push(e) });
    expect(report).toEqual({ zones: 1, problems: [], changed: true });
    expect(events).toEqual([{ type: "loaded", file, zone: "example.com.", serial: 1 }]);
    const first = store.current();

    await writeFile(file, zoneText("example.com.", "192.0.2.2", 2));
    await store.reload();
    expect(wwwAddress(store, "example.com.")).toBe("192.0.2.2");
    expect(lookup(first, "www.example.com.", 1).answer[0]?.rdata[0]).toMatchObject({ address: "192.0.2.1" });

    events.length = 0;
    await writeFile(file, zoneText("example.com.", "192.0.2.999", 3));
    const bad = await store.reload();
    expect(bad.changed).toBe(false);
    expect(bad.problems.map(formatProblem)).toEqual([`${file}:7: records.www.A: "192.0.2.999" is not an IPv4 address`]);
    expect(events).toEqual([{ type: "rejected", file, problems: bad.problems, servingPrevious: true }]);
    expect(wwwAddress(store, "example.com.")).toBe("192.0.2.2");
  });

  // Regression: a reverted edit left the file marked rejected (no "loaded" event: its zone never changed).
  it("a rejected file put back as it was is announced loaded again", async () => {
    const file = join(dir, "example.com.yaml");
    await writeFile(file, zoneText("example.com.", "192.0.2.1"));
    const events: ZoneEvent[] = [];
    const { store } = await ZoneStore.open(dir, { onEvent: (e) => events.push(e) });
    await writeFile(file, zoneText("example.com.", "192.0.2.999"));
    expect((await store.reload()).problems).toHaveLength(1);
    events.length = 0;
    await writeFile(file, zoneText("example.com.", "192.0.2.1"));
    expect(await store.reload()).toEqual({ zones: 1, problems: [], changed: false });
    expect(events).toEqual([{ type: "loaded", file, zone: "example.com.", serial: 1 }]);
    events.length = 0;
    await store.reload();
    expect(events).toEqual([]);
  });

  // Regression: a rejection with nothing to load afterwards (a bad new file deleted, the zone directory
  // unreadable for a moment) was never withdrawn: gslb_zone_file_rejected stayed 1 for good.
  it.each([
    {
      what: "a rejected new file that is deleted",
      path: (d: string): string => join(d, "example.net.yaml"),
      break: (d: string) => writeFile(join(d, "example.net.yaml"), zoneText("example.net.", "192.0.2.999")),
      repair: (d: string) => unlink(join(d, "example.net.yaml")),
    },
    {
      what: "a zone directory that is briefly missing",
      path: (d: string): string => d,
      break: (d: string) => rename(d, `${d}.away`),
      repair: (d: string) => rename(`${d}.away`, d),
    },
  ])("$what: its rejection is cleared once it no longer stands", async (c) => {
    await writeFile(join(dir, "example.com.yaml"), zoneText("example.com.", "192.0.2.1"));
    const events: ZoneEvent[] = [];
    const { store } = await ZoneStore.open(dir, { onEvent: (e) => events.push(e) });
    events.length = 0;
    await c.break(dir);
    expect((await store.reload()).problems.map((p) => p.file)).toEqual([c.path(dir)]);
    expect(events.map((e) => `${e.type} ${e.file}`)).toEqual([`rejected ${c.path(dir)}`]);
    events.length = 0;
    await c.repair(dir);
    expect(await store.reload()).toEqual({ zones: 1, problems: [], changed: false });
    expect(events).toEqual([{ type: "cleared", file: c.path(dir) }]);
    events.length = 0;
    await store.reload();
    expect(events).toEqual([]);
    expect(wwwAddress(store, "example.com.")).toBe("192.0.2.1");
  });

  it("does not rebuild when nothing changed", async () => {
    await writeFile(join(dir, "example.com.yaml"), zoneText("example.com.", "192.0.2.1"));
    const { store } = await ZoneStore.open(dir);
    const before = store.current();
    expect((await store.reload()).changed).toBe(false);
    expect(store.current()).toBe(before);
  });

  it("adds and removes zones with their files", async () => {
    await writeFile(join(dir, "example.com.yaml"), zoneText("example.com.", "192.0.2.1"));
    const events: ZoneEvent[] = [];
    const { store } = await ZoneStore.open(dir, { onEvent: (e) => events.push(e) });
    await writeFile(join(dir, "example.net.yaml"), zoneText("example.net.", "192.0.2.7"));
    await store.reload();
    expect(wwwAddress(store, "example.net.")).toBe("192.0.2.7");
    await unlink(join(dir, "example.com.yaml"));
    await store.reload();
    expect(lookup(store.current(), "www.example.com.", 1).kind).toBe("refused");
    expect(events.map((e) => `${e.type} ${e.file}`)).toEqual([
      `loaded ${join(dir, "example.com.yaml")}`,
      `loaded ${join(dir, "example.net.yaml")}`,
      `removed ${join(dir, "example.com.yaml")}`,
    ]);
  });

  it("a new file with a zone already served is rejected; the serving file keeps it", async () => {
    await writeFile(join(dir, "example.com.yml"), zoneText("example.com.", "192.0.2.1"));
    const { store } = await ZoneStore.open(dir);
    await writeFile(join(dir, "example.com.yaml"), zoneText("example.com.", "192.0.2.2"));
    const report = await store.reload();
    expect(report.problems.map((p) => p.file)).toEqual([join(dir, "example.com.yaml")]);
    expect(wwwAddress(store, "example.com.")).toBe("192.0.2.1");
  });

  it("coalesces reloads requested while one runs", async () => {
    await writeFile(join(dir, "example.com.yaml"), zoneText("example.com.", "192.0.2.1"));
    const store = new ZoneStore(dir);
    const first = store.reload();
    const second = store.reload();
    const third = store.reload();
    expect(second).toBe(third);
    expect(second).not.toBe(first);
    await Promise.all([first, second]);
    expect(wwwAddress(store, "example.com.")).toBe("192.0.2.1");
  });
});

describe("watchZones", () => {
  it("reloads after a file is replaced by rename, as editors do", async () => {
    const file = join(dir, "example.com.yaml");
    await writeFile(file, zoneText("example.com.", "192.0.2.1"));
    const { store } = await ZoneStore.open(dir);
    const reloaded = new Promise<void>((resolve) => {
      const watcher = watchZones(dir, {
        reload: async () => {
          await store.reload();
          if (wwwAddress(store, "example.com.") === "192.0.2.2") {
            watcher.close();
            resolve();
          }
        },
      }, { debounceMs: 20 });
    });
    const temp = join(dir, ".example.com.yaml.tmp");
    await writeFile(temp, zoneText("example.com.", "192.0.2.2", 2));
    const { rename } = await import("node:fs/promises");
    await rename(temp, file);
    await reloaded;
    expect(wwwAddress(store, "example.com.")).toBe("192.0.2.2");
  });
});
