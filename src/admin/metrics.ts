import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { ListenerStats } from "../dns/server/transport.ts";
import { RCODE_NAMES, type AnswerStats } from "../dns/server/stats.ts";

/** The server's Prometheus registry. Hot-path counters are plain numbers read at scrape time. */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "gslb_process_" });
  return registry;
}

export function registerDnsMetrics(registry: Registry, answers: AnswerStats, listeners: ListenerStats): void {
  new Counter({
    name: "gslb_dns_queries_total",
    help: "DNS messages received, by transport",
    labelNames: ["transport"],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ transport: "udp" }, listeners.udpReceived);
      this.inc({ transport: "tcp" }, listeners.tcpQueries);
    },
  });
  new Counter({
    name: "gslb_dns_responses_total",
    help: "DNS responses sent, by rcode",
    labelNames: ["rcode"],
    registers: [registry],
    collect() {
      this.reset();
      answers.responsesByRcode.forEach((count, rcode) => {
        if (count > 0) this.inc({ rcode: RCODE_NAMES[rcode] ?? String(rcode) }, count);
      });
    },
  });
  simpleCounter(
    registry,
    "gslb_dns_truncated_total",
    "UDP responses sent with TC=1",
    () => answers.truncated,
  );
  simpleCounter(
    registry,
    "gslb_dns_dropped_total",
    "Messages dropped without a reply",
    () => answers.dropped + listeners.udpDropped,
  );
  simpleCounter(
    registry,
    "gslb_dns_edns_queries_total",
    "Queries with an OPT record",
    () => answers.ednsQueries,
  );
  simpleCounter(
    registry,
    "gslb_dns_ecs_queries_total",
    "Queries with EDNS Client Subnet",
    () => answers.ecsQueries,
  );
  simpleCounter(
    registry,
    "gslb_dns_udp_send_errors_total",
    "UDP sends that failed",
    () => listeners.udpSendErrors,
  );
  simpleCounter(
    registry,
    "gslb_dns_handler_failures_total",
    "Internal errors while answering (bugs)",
    () => listeners.handlerFailures,
  );
  simpleCounter(
    registry,
    "gslb_dns_tcp_connections_total",
    "TCP connections accepted",
    () => listeners.tcpConnectionsAccepted,
  );
  simpleCounter(
    registry,
    "gslb_dns_tcp_rejected_total",
    "TCP connections refused over the limit",
    () => listeners.tcpConnectionsRejected,
  );
  simpleCounter(
    registry,
    "gslb_dns_tcp_idle_timeouts_total",
    "TCP connections closed idle",
    () => listeners.tcpIdleTimeouts,
  );
  simpleCounter(
    registry,
    "gslb_dns_tcp_read_deadlines_total",
    "TCP connections closed for a slowly sent message",
    () => listeners.tcpReadDeadlines,
  );
  new Gauge({
    name: "gslb_dns_tcp_connections_open",
    help: "TCP connections open now",
    registers: [registry],
    collect() {
      this.set(listeners.tcpConnectionsOpen);
    },
  });
}

function simpleCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}
