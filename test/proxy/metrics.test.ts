import { describe, expect, it } from "vitest";
import { ProxyMetrics, upstreamKey } from "../../src/proxy/metrics.ts";
import { Upstream } from "../../src/proxy/upstream.ts";

function upstream(id: string): Upstream {
  return new Upstream(
    {
      id,
      host: "127.0.0.1",
      port: 1,
      tls: false,
      weight: 1,
      backup: false,
      maxFails: 0,
      failTimeoutMs: 10_000,
      slowStartMs: 0,
    },
    0,
  );
}

const NO_SOURCE = { upstreams: () => [], connections: () => 0, ready: () => true };

describe("proxy metrics", () => {
  it("exports per-upstream errors and ejections and per-group failures; a reload forgets removed upstreams", async () => {
    const metrics = new ProxyMetrics(NO_SOURCE);
    const [a, b] = [upstream("a:1"), upstream("b:1")];
    metrics.attempt("app", a, { kind: "connect_error" }, 0.001);
    metrics.attempt("app", a, { kind: "connect_error" }, 0.001);
    metrics.attempt("app", b, { kind: "timeout" }, 1);
    metrics.attempt("app", b, { kind: "response", status: 200 }, 0.002);
    metrics.penalty("app", a);
    metrics.failure("app", "no_upstream");
    const before = await metrics.registry.metrics();
    for (const line of [
      'gslb_proxy_errors_total{group="app",upstream="a:1",kind="connect_error"} 2',
      'gslb_proxy_errors_total{group="app",upstream="b:1",kind="timeout"} 1',
      'gslb_proxy_errors_total{group="app",upstream="",kind="no_upstream"} 1',
      'gslb_proxy_upstream_ejections_total{group="app",upstream="a:1"} 1',
      'gslb_proxy_requests_total{group="app",upstream="b:1",code="2xx"} 1',
    ])
      expect(before).toContain(line);

    metrics.forget(new Set([upstreamKey("app", "b:1")]));
    // a's last in-flight attempt finishing after the reload does not bring its series back.
    metrics.attempt("app", a, { kind: "reset" }, 0.5);
    const after = await metrics.registry.metrics();
    expect(after).not.toContain('upstream="a:1"');
    expect(after).toContain('gslb_proxy_errors_total{group="app",upstream="b:1",kind="timeout"} 1');
    expect(after).toContain('gslb_proxy_errors_total{group="app",upstream="",kind="no_upstream"} 1');
  });
});
