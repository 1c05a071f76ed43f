/**
 * TCP probe: up when a connection is accepted within the timeout; the socket is closed at once.
 * The timeout is the socket's own (no AbortSignal.timeout timer that outlives the probe, no composite signal):
 * at 1,000 probes a second those cost more than the connect itself.
 */
import { connect } from "node:net";
import type { TcpCheck } from "../check-schema.ts";
import {
  probeErrorResult,
  probeError,
  probeOk,
  probeTimeout,
  type Probe,
  type ProbeResult,
  type ProbeTarget,
} from "./probe.ts";

export function createTcpProbe(check: Pick<TcpCheck, "timeout" | "port">): Probe {
  return { kind: "tcp", run: (target, signal) => runTcp(target, check, signal) };
}

function runTcp(
  target: ProbeTarget,
  check: Pick<TcpCheck, "timeout" | "port">,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const port = target.port ?? check.port;
  if (port === undefined)
    return Promise.resolve(probeError("tcp check needs a port (in the check or the probe address)"));
  if (signal.aborted) return Promise.resolve(probeErrorResult(signal.reason, false, check.timeout));
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port, timeout: check.timeout });
    const finish = (result: ProbeResult): void => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish(probeErrorResult(signal.reason, false, check.timeout));
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => finish(probeOk(performance.now() - started, `connected to port ${port}`)));
    socket.once("timeout", () => finish(probeTimeout(`no answer within ${check.timeout} ms`)));
    socket.once("error", (error) => finish(probeErrorResult(error, false, check.timeout)));
  });
}
