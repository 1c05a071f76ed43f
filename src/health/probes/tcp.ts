/** TCP probe: up when a connection is accepted within the timeout; the socket is closed at once. */
import { connect } from "node:net";
import type { TcpCheck } from "../check-schema.ts";
import { deadline, probeErrorResult, probeError, probeOk, type Probe, type ProbeResult, type ProbeTarget } from "./probe.ts";

export function createTcpProbe(check: Pick<TcpCheck, "timeout" | "port">): Probe {
  return { kind: "tcp", run: (target, signal) => runTcp(target, check, signal) };
}

function runTcp(target: ProbeTarget, check: Pick<TcpCheck, "timeout" | "port">, signal: AbortSignal): Promise<ProbeResult> {
  const port = target.port ?? check.port;
  if (port === undefined) return Promise.resolve(probeError("tcp check needs a port (in the check or the probe address)"));
  const started = performance.now();
  const limit = deadline(signal, check.timeout);
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port, signal: limit.signal });
    socket.once("connect", () => {
      socket.destroy();
      resolve(probeOk(performance.now() - started, `connected to port ${port}`));
    });
    socket.once("error", (error) => {
      socket.destroy();
      resolve(probeErrorResult(error, limit.timedOut(), check.timeout));
    });
  });
}
