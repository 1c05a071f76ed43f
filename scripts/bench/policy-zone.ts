/**
 * The benchmark's policy zone (geo, weighted, failover, latency) and its queries: binary TCP-stream format
 * (dnsperf -B), each query from a different client subnet through EDNS Client Subnet, so every answer is a
 * real per-client decision (GeoIP lookup, policy walk) and not one cached path.
 */
export const POLICY_ORIGIN = "bench.test.";

/** `probeTargets`: optional TCP probe ports; every one becomes a checked target of a large pool. */
export function policyZoneYaml(probePorts: readonly number[] = []): string {
  const probed =
    probePorts.length === 0
      ? ""
      : `  fleet:\n    targets:\n${probePorts
          .map(
            (port, i) =>
              `      - { address: 10.${(i >> 8) & 255}.${i & 255}.1, check: tcp-up, probe: "127.0.0.1:${port}" }`,
          )
          .join("\n")}\n`;
  const fleetRecord = probePorts.length === 0 ? "" : "  fleet:\n    A: { policy: fleet-weighted }\n";
  const fleetPolicy =
    probePorts.length === 0 ? "" : "  fleet-weighted:\n    type: weighted\n    pool: fleet\n    answers: 2\n";
  const checks =
    probePorts.length === 0
      ? ""
      : "checks:\n  tcp-up: { kind: tcp, interval: 1s, timeout: 500ms, rise: 2, fall: 3 }\n\n";
  return `zone: ${POLICY_ORIGIN}
ttl: 300
records:
  "@":
    SOA: ns1 hostmaster 1 7200 3600 1209600 300
    NS: ns1
  ns1: { A: 192.0.2.53 }
  geo:
    A: { policy: by-geo }
  canary:
    A: { policy: canary }
  failover:
    A: { policy: primary-first }
  nearest:
    A: { policy: nearest }
${fleetRecord}
${checks}pools:
  eu: { location: { lat: 50.11, lon: 8.68 }, targets: [{ address: 192.0.2.10 }, { address: 192.0.2.11 }] }
  us: { location: { lat: 38.9, lon: -77.4 }, targets: [{ address: 198.51.100.10 }] }
  ap: { location: { lat: 1.35, lon: 103.82 }, targets: [{ address: 203.0.113.10 }] }
  stable: { targets: [{ address: 192.0.2.20, weight: 95 }, { address: 192.0.2.21, weight: 5 }] }
${probed}
policies:
  by-geo:
    type: geo
    rules:
      - { continent: EU, use: [eu, us] }
      - { continent: [AS, OC], use: [ap, us] }
      - { country: [US, CA], use: [us, eu] }
    default: [us, eu]
  canary:
    type: weighted
    pool: stable
  primary-first:
    type: failover
    members: [eu, us]
  nearest:
    type: latency
    regions: [{ use: eu }, { use: us }, { use: ap }]
    tolerance_ms: 10
${fleetPolicy}`;
}

const NAMES = ["geo", "canary", "failover", "nearest"];

/** `count` queries, cycling the policy names, each with an ECS /24 from a pseudo-random public IPv4 subnet. */
export function policyQueriesBinary(count: number, names: readonly string[] = NAMES): Buffer {
  const parts: Buffer[] = [];
  let seed = 12345;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed >>> 8;
  };
  for (let i = 0; i < count; i++) {
    const name = `${names[i % names.length]!}.${POLICY_ORIGIN}`;
    const a = 1 + (next() % 222); // 1..222, public-looking unicast first octets
    const message = queryWithEcs(i & 0xffff, name, [
      a === 127 || a === 10 ? 11 : a,
      next() & 255,
      next() & 255,
    ]);
    const framed = Buffer.alloc(2 + message.length);
    framed.writeUInt16BE(message.length, 0);
    message.copy(framed, 2);
    parts.push(framed);
  }
  return Buffer.concat(parts);
}

function queryWithEcs(id: number, name: string, subnet24: readonly number[]): Buffer {
  const header = Buffer.from([id >> 8, id & 255, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
  const labels = name.split(".").filter((l) => l !== "");
  const qname = Buffer.concat([
    ...labels.flatMap((l) => [Buffer.from([l.length]), Buffer.from(l, "ascii")]),
    Buffer.from([0]),
  ]);
  const question = Buffer.from([0, 1, 0, 1]); // A IN
  // OPT: root owner, type 41, payload 1232, ext rcode/version/flags 0, one ECS option (family 1, /24, scope 0).
  const ecs = Buffer.from([0, 8, 0, 7, 0, 1, 24, 0, subnet24[0]!, subnet24[1]!, subnet24[2]!]);
  const opt = Buffer.concat([Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, ecs.length]), ecs]);
  return Buffer.concat([header, qname, question, opt]);
}
