import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { clientFromText } from "../../src/geo/client.ts";
import { defaultDatabasePath, GeoReader } from "../../src/geo/reader.ts";
import { ErrorCodes, GslbError } from "../../src/errors.ts";
import { writeMmdb } from "../helpers/mmdb-writer.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const { path: dir, remove } = tempDir("geo");
afterAll(remove);

function fixture(name: string, contents: Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, contents);
  return file;
}

function lookup(reader: GeoReader, ip: string) {
  const client = clientFromText(ip);
  if (client === null) throw new Error(`bad ip ${ip}`);
  return reader.lookup(client);
}

const nestedV6 = fixture(
  "nested-v6.mmdb",
  writeMmdb({
    ipVersion: 6,
    recordSize: 28,
    networks: [
      {
        network: "192.0.2.0/24",
        record: {
          continent: { code: "EU" },
          country: { iso_code: "DE" },
          subdivisions: [{ iso_code: "BE" }],
          location: { latitude: 52.52, longitude: 13.405 },
        },
      },
      { network: "192.0.2.128/25", record: { country: { iso_code: "FR" } } },
      { network: "2001:db8::/32", record: { country: { iso_code: "JP" }, continent: { code: "AS" } } },
      { network: "2001:db8:ff00::/40", record: { registered_country: { iso_code: "BR" } } },
      { network: "10.0.0.0/8", record: { country: { iso_code: "ZZ" } } },
    ],
  }),
);

const flatV4 = fixture(
  "flat-v4.mmdb",
  writeMmdb({
    ipVersion: 4,
    recordSize: 24,
    networks: [
      { network: "198.51.100.0/24", record: { country_code: "US", latitude: 40.7128, longitude: -74.006 } },
      { network: "203.0.113.0/26", record: { country_code: "au" } },
      { network: "127.0.0.0/8", record: { country_code: "NZ" } },
    ],
  }),
);

const flatV6Records32 = fixture(
  "flat-v6-32.mmdb",
  writeMmdb({
    ipVersion: 6,
    recordSize: 32,
    networks: [
      { network: "2001:db8:1::/48", record: { country_code: "SE" } },
      { network: "198.51.100.0/22", record: { country_code: "CA" } },
    ],
  }),
);

describe("GeoReader on generated fixtures", () => {
  const nested = GeoReader.open(nestedV6, { watch: false });
  const flat = GeoReader.open(flatV4, { watch: false });
  const flat32 = GeoReader.open(flatV6Records32, { watch: false });
  afterAll(() => [nested, flat, flat32].forEach((r) => r.close()));

  it.each([
    // reader, address, country, continent, subdivision, lat, lon, locationSource, prefix
    [nested, "192.0.2.1", "DE", "EU", "DE-BE", 52.52, 13.405, "database", 25],
    [nested, "192.0.2.200", "FR", "EU", null, 46, 2, "country-centroid", 25],
    [nested, "::ffff:192.0.2.1", "DE", "EU", "DE-BE", 52.52, 13.405, "database", 25],
    [nested, "2001:db8:1::1", "JP", "AS", null, 36, 138, "country-centroid", 33],
    [nested, "2001:db8:ff01::1", "BR", "SA", null, -10, -55, "country-centroid", 40],
    [nested, "10.1.2.3", "ZZ", null, null, null, null, null, 8],
    [flat, "198.51.100.9", "US", "NA", null, 40.7128, -74.006, "database", 24],
    [flat, "203.0.113.5", "AU", "OC", null, -27, 133, "country-centroid", 26],
    [flat, "127.0.0.1", "NZ", "OC", null, -41, 174, "country-centroid", 8],
    [flat32, "2001:db8:1:2::1", "SE", "EU", null, 62, 15, "country-centroid", 48],
    [flat32, "198.51.101.1", "CA", "NA", null, 60, -95, "country-centroid", 22],
  ] as const)("%#: %s", (reader, ip, country, continent, subdivision, lat, lon, source, prefix) => {
    const { info, prefixLength } = lookup(reader, ip);
    expect(info).toEqual({
      country,
      continent,
      subdivision,
      latitude: lat,
      longitude: lon,
      locationSource: source,
    });
    expect(prefixLength).toBe(prefix);
  });

  it.each([
    ["address outside every network", nested, "192.0.3.1", 24],
    ["IPv6 address outside every network", nested, "2001:db9::1", 32],
    ["IPv6 address in an IPv4-only database is never looked up", flat, "2001:db8::1", 0],
    ["mapped-looking IPv6 in an IPv4-only database", flat, "::1", 0],
  ] as const)("unknown: %s", (_name, reader, ip, prefix) => {
    const { info, prefixLength } = lookup(reader, ip);
    expect(info.country).toBeNull();
    expect(prefixLength).toBe(prefix);
  });

  it("reports the database's IP version", () => {
    expect([nested.metadata.ipVersion, flat.metadata.ipVersion]).toEqual([6, 4]);
  });
});

describe("GeoReader on MaxMind's own test databases", () => {
  const base = join(import.meta.dirname, "../../../shared/geoip-test-data/maxmind-test-data");
  const city = GeoReader.open(join(base, "GeoIP2-City-Test.mmdb"), { watch: false });
  const country = GeoReader.open(join(base, "GeoLite2-Country-Test.mmdb"), { watch: false });
  afterAll(() => [city, country].forEach((r) => r.close()));

  it.each([
    [city, "81.2.69.142", "GB", "EU", "GB-ENG", "database"],
    [city, "175.16.199.1", "CN", "AS", "CN-22", "database"],
    [city, "2001:218::1", "JP", "AS", null, "database"],
    [city, "89.160.20.112", "SE", "EU", "SE-E", "database"],
    [city, "::ffff:81.2.69.142", "GB", "EU", "GB-ENG", "database"],
    [country, "2a02:cf40::1", "NO", "EU", null, "country-centroid"],
    [country, "81.2.69.142", "GB", "EU", null, "country-centroid"],
  ] as const)("%#: %s", (reader, ip, iso, continent, subdivision, source) => {
    expect(lookup(reader, ip).info).toMatchObject({
      country: iso,
      continent,
      subdivision,
      locationSource: source,
    });
  });

  it.each([
    [city, "8.8.8.8"],
    [country, "2001:db8::1"],
  ] as const)("%#: %s is not in the test data", (reader, ip) => {
    expect(lookup(reader, ip).info.country).toBeNull();
  });
});

describe("the bundled database", () => {
  const bundled = GeoReader.openDefault({ watch: false });
  afterAll(() => bundled.close());

  it("is found without configuration", () => {
    expect(defaultDatabasePath()).toMatch(/geo-whois-asn-country\.mmdb$/);
    expect(bundled.metadata.ipVersion).toBe(6);
  });

  it.each([
    ["8.8.8.8", "US", "NA"],
    ["2001:4860:4860::8888", "US", "NA"],
    ["193.0.6.139", "NL", "EU"],
    ["133.242.0.1", "JP", "AS"],
    ["::ffff:8.8.8.8", "US", "NA"],
  ])("%s → %s/%s", (ip, iso, continent) => {
    const { info, prefixLength } = lookup(bundled, ip);
    expect(info).toMatchObject({ country: iso, continent, locationSource: "country-centroid" });
    expect(prefixLength).toBeGreaterThan(0);
  });

  it.each(["10.0.0.1", "127.0.0.1"])("private %s has no country", (ip) => {
    expect(lookup(bundled, ip).info.country).toBeNull();
  });
});

describe("open errors", () => {
  it.each([
    ["missing file", join(dir, "does-not-exist.mmdb"), ErrorCodes.GEOIP_MISSING],
    [
      "not a database",
      fixture("garbage.mmdb", Buffer.from("hello world, not an mmdb")),
      ErrorCodes.GEOIP_CORRUPT,
    ],
    ["truncated database", fixture("truncated.mmdb", firstHalf()), ErrorCodes.GEOIP_CORRUPT],
  ])("%s", (_name, file, code) => {
    let caught: unknown;
    try {
      GeoReader.open(file, { watch: false });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GslbError);
    expect((caught as GslbError).code).toBe(code);
    expect((caught as GslbError).message).toContain(file);
    expect((caught as GslbError).message).toContain("--geoip FILE");
  });
});

function firstHalf(): Buffer {
  const full = writeMmdb({
    ipVersion: 4,
    networks: [{ network: "198.51.100.0/24", record: { country_code: "US" } }],
  });
  return full.subarray(0, Math.floor(full.length / 2));
}

describe("reload", () => {
  const v1 = writeMmdb({
    ipVersion: 4,
    networks: [{ network: "198.51.100.0/24", record: { country_code: "US" } }],
  });
  // A different size as well as content, so the watcher sees the change even within one mtime tick.
  const v2 = writeMmdb({
    ipVersion: 4,
    networks: [{ network: "198.51.100.0/24", record: { country_code: "CA", latitude: 45.5 } }],
  });

  it("serves the new file after a change, and keeps the old one when the new one is corrupt", () => {
    const file = fixture("reload.mmdb", v1);
    const reader = GeoReader.open(file, { watch: false });
    expect(lookup(reader, "198.51.100.1").info.country).toBe("US");
    writeFileSync(file, v2);
    expect(reader.reload()).toBeNull();
    expect(lookup(reader, "198.51.100.1").info.country).toBe("CA");
    writeFileSync(file, "corrupt");
    expect(reader.reload()?.code).toBe(ErrorCodes.GEOIP_CORRUPT);
    expect(lookup(reader, "198.51.100.1").info.country).toBe("CA");
    reader.close();
  });

  it("the file watcher reloads by itself", async () => {
    const file = fixture("watched.mmdb", v1);
    const { promise, resolve } = Promise.withResolvers<GslbError | null>();
    const reader = GeoReader.open(file, { watchIntervalMs: 20, onReload: resolve });
    try {
      writeFileSync(file, v2);
      expect(await promise).toBeNull();
      expect(lookup(reader, "198.51.100.1").info.country).toBe("CA");
    } finally {
      reader.close();
    }
  });
});
