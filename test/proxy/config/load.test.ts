import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorCodes, InputError } from "../../../src/errors.ts";
import { loadProxyConfig, parseProxyConfig } from "../../../src/proxy/config/load.ts";

const VALID = `listeners:
  - address: 127.0.0.1:8080
routes:
  - host: app.example.com
    path_prefix: /api
    upstream: app
upstreams:
  app:
    balancer: weighted-round-robin
    servers:
      - address: 127.0.0.1:9001
        weight: 3
      - address: "[::1]:9002"
        slow_start: 30s
      - address: 127.0.0.1:9003
        backup: true
`;

describe("a valid configuration", () => {
  const config = parseProxyConfig(VALID, "proxy.yaml");

  it("fills nginx/Envoy defaults and converts durations to ms", () => {
    const servers = config.upstreams["app"]!.servers;
    expect(servers[0]).toEqual({
      address: { host: "127.0.0.1", port: 9001 },
      weight: 3,
      backup: false,
      max_fails: 1,
      fail_timeout: 10_000,
      slow_start: 0,
      tls: undefined,
    });
    expect(servers[1]!.address).toEqual({ host: "::1", port: 9002 });
    expect(servers[1]!.slow_start).toBe(30_000);
    expect(config.upstreams["app"]!.outlier).toEqual({
      consecutive_errors: 5,
      base_ejection: 30_000,
      max_ejection: 300_000,
      max_ejection_percent: 50,
    });
    expect(config.timeouts.client_header).toBe(10_000);
    expect(config.retries.tries).toBe(3);
    expect(config.admin.address).toEqual({ host: "127.0.0.1", port: 9090 });
    expect(config.routes[0]).toEqual({ host: "app.example.com", path_prefix: "/api", upstream: "app" });
    expect(config.upstreams["app"]!.keep_alive).toBe(4_000);
    expect(config.via).toBe("gslb");
  });

  it.each([
    { tls: "true", expected: { verify: true } },
    { tls: "{}", expected: { verify: true } },
    { tls: "{ verify: false }", expected: { verify: false } },
    { tls: "{ servername: app.internal }", expected: { verify: true, servername: "app.internal" } },
    { tls: "false", expected: undefined },
  ])("upstream tls: $tls verifies certificates unless told not to", ({ tls, expected }) => {
    const text = VALID.replace("        weight: 3\n", `        weight: 3\n        tls: ${tls}\n`);
    expect(parseProxyConfig(text, "proxy.yaml").upstreams["app"]!.servers[0]!.tls).toEqual(expected);
  });

  it.each([
    { sticky: "{ cookie: srv }", expected: { cookie: "srv" } },
    { sticky: "{ cookie: GSLB_ID, ttl: 1h }", expected: { cookie: "GSLB_ID", ttl: 3_600_000 } },
  ])("route sticky: $sticky", ({ sticky, expected }) => {
    const text = VALID.replace("    upstream: app\n", `    upstream: app\n    sticky: ${sticky}\n`);
    expect(parseProxyConfig(text, "proxy.yaml").routes[0]!.sticky).toEqual(expected);
  });

  it("is frozen", () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.upstreams["app"]!.servers[0])).toBe(true);
  });

  it("accepts a health check in the tier-1 check syntax", () => {
    const withCheck = VALID.replace(
      "    balancer: weighted-round-robin\n",
      "    health_check: { kind: http, path: /healthz, interval: 1s, timeout: 500ms }\n",
    );
    const group = parseProxyConfig(withCheck, "proxy.yaml").upstreams["app"]!;
    expect(group.health_check).toMatchObject({
      kind: "http",
      path: "/healthz",
      interval: 1000,
      timeout: 500,
      rise: 2,
      fall: 3,
    });
  });
});

type Bad = { readonly why: string; readonly from: string; readonly to: string; readonly expected: string };

const BAD: readonly Bad[] = [
  {
    why: "unknown upstream in a route",
    from: "    upstream: app",
    to: "    upstream: nope",
    expected: 'proxy.yaml:6: routes[0].upstream: unknown upstream "nope"',
  },
  {
    why: "weight out of range",
    from: "weight: 3",
    to: "weight: 0",
    expected: "proxy.yaml:12: upstreams.app.servers[0].weight:",
  },
  {
    why: "address without a port",
    from: "127.0.0.1:9001",
    to: "127.0.0.1",
    expected:
      'proxy.yaml:11: upstreams.app.servers[0].address: expected HOST:PORT (IPv6 as [::1]:8080), got "127.0.0.1"',
  },
  {
    why: "bad duration",
    from: "slow_start: 30s",
    to: "slow_start: soon",
    expected: 'proxy.yaml:14: upstreams.app.servers[1].slow_start: invalid duration "soon"',
  },
  {
    why: "unknown balancer",
    from: "balancer: weighted-round-robin",
    to: "balancer: fastest",
    expected: "proxy.yaml:9: upstreams.app.balancer:",
  },
  {
    why: "unknown key (typo)",
    from: "        weight: 3",
    to: "        wieght: 3",
    expected: 'proxy.yaml:11: upstreams.app.servers[0]: Unrecognized key: "wieght"',
  },
  {
    why: "consistent-hash without a hash",
    from: "balancer: weighted-round-robin",
    to: "balancer: consistent-hash",
    expected: "proxy.yaml:9: upstreams.app.balancer: consistent-hash needs a `hash`",
  },
  {
    why: "duplicate server",
    from: "127.0.0.1:9003",
    to: "127.0.0.1:9001",
    expected: "proxy.yaml:15: upstreams.app.servers[2].address: duplicate server 127.0.0.1:9001",
  },
  {
    why: "header timeout longer than the request timeout",
    from: "listeners:",
    to: "timeouts: { client_header: 2m }\nlisteners:",
    expected: "proxy.yaml:1: timeouts.client_header: client_header must not exceed client_request",
  },
  { why: "YAML syntax", from: "routes:", to: "routes: [", expected: "proxy.yaml:4: (root): YAML:" },
  {
    why: "sticky cookie name that is not a token",
    from: "    upstream: app\n",
    to: '    upstream: app\n    sticky: { cookie: "a b" }\n',
    expected: "proxy.yaml:7: routes[0].sticky.cookie: a cookie name is a token",
  },
  {
    why: "upstream tls with an unknown key",
    from: "        weight: 3\n",
    to: "        weight: 3\n        tls: { verfy: false }\n",
    expected: "proxy.yaml:13: upstreams.app.servers[0].tls",
  },
  {
    why: "upstream CA file that does not exist",
    from: "        weight: 3\n",
    to: "        weight: 3\n        tls: { ca: /nonexistent/ca.pem }\n",
    expected: "proxy.yaml:13: upstreams.app.servers[0].tls.ca: cannot read:",
  },
  {
    why: "TLS files that do not exist",
    from: "  - address: 127.0.0.1:8080",
    to: "  - address: 127.0.0.1:8443\n    tls: { cert: /nonexistent/c.pem, key: /nonexistent/k.pem }",
    expected: "proxy.yaml:3: listeners[0].tls.cert: cannot read:",
  },
];

describe("an invalid configuration", () => {
  it.each(BAD)("$why → $expected", ({ from, to, expected }) => {
    const text = VALID.replace(from, to);
    expect(text).not.toBe(VALID);
    let error: unknown;
    try {
      parseProxyConfig(text, "proxy.yaml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe(ErrorCodes.PROXY_CONFIG);
    expect((error as InputError).message).toContain(expected);
  });

  it("reports every problem, not only the first", () => {
    const text = VALID.replace("    upstream: app", "    upstream: nope").replace("weight: 3", "weight: -1");
    try {
      parseProxyConfig(text, "proxy.yaml");
      expect.unreachable();
    } catch (e) {
      expect((e as InputError).problems.length).toBeGreaterThanOrEqual(1);
    }
    const semantic = VALID.replace("    upstream: app", "    upstream: nope").replace(
      "127.0.0.1:9003",
      "127.0.0.1:9001",
    );
    expect(() => parseProxyConfig(semantic, "proxy.yaml")).toThrow(/unknown upstream[\s\S]*duplicate server/);
  });
});

describe("loadProxyConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "gslb-proxy-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the file and resolves TLS paths relative to it", async () => {
    writeFileSync(join(dir, "c.pem"), "CERT");
    writeFileSync(join(dir, "k.pem"), "KEY");
    writeFileSync(
      join(dir, "proxy.yaml"),
      VALID.replace(
        "  - address: 127.0.0.1:8080",
        "  - address: 127.0.0.1:8443\n    tls: { cert: c.pem, key: k.pem }",
      ),
    );
    const config = await loadProxyConfig(join(dir, "proxy.yaml"));
    expect(config.listenerTls[0]?.cert.toString()).toBe("CERT");
    expect(config.listenerTls[0]?.key.toString()).toBe("KEY");
  });

  it("names a missing file", async () => {
    await expect(loadProxyConfig(join(dir, "missing.yaml"))).rejects.toThrow(
      /missing\.yaml:0: \(root\): cannot read/,
    );
  });
});

describe("examples/proxy", () => {
  it("every example configuration is valid", async () => {
    const { readdirSync } = await import("node:fs");
    const dir = new URL("../../../examples/proxy/", import.meta.url).pathname;
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) await expect(loadProxyConfig(join(dir, file))).resolves.toBeDefined();
  });
});
