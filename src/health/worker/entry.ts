/**
 * The `gslb-prober` worker thread: runs probe I/O off the DNS query thread. It builds real probes from the
 * check definitions the main thread sends (one per defined probe, cached until closed), runs them with the
 * checks' own timeouts, and posts results back in one message per result window.
 */
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { ErrorCodes, GslbError } from "../../errors.ts";
import type { Check } from "../check-schema.ts";
import { probeError, type Probe, type ProbeResult, type ProbeTarget } from "../probes/probe.ts";
import { createProbe } from "../probes/registry.ts";
import {
  later,
  proberDataSchema,
  requestBatchSchema,
  type DefineRequest,
  type ProbeRequest,
  type ResultBatch,
} from "./protocol.ts";

const port = requirePort();
const { resultWindowMs } = proberDataSchema.parse(workerData);

/** A probe whose definition was refused: every run reports why. */
type Built = Probe | { readonly problem: string };

const probes = new Map<number, Built>();
const running = new Map<number, AbortController>();
let outbox: ResultBatch["items"] = [];
let flushScheduled = false;

port.on("message", (message: unknown) => {
  const batch = requestBatchSchema.safeParse(message);
  if (!batch.success)
    throw new GslbError(ErrorCodes.PROBE_CONFIG, `probe worker: bad request batch: ${batch.error.message}`);
  for (const request of batch.data.items) handle(request);
});

function handle(request: ProbeRequest): void {
  switch (request.op) {
    case "define":
      return define(request);
    case "run":
      return run(request.id, request.probe, request.target);
    case "cancel":
      return running.get(request.id)?.abort();
    case "close":
      return close(request.probe);
  }
}

function define(request: DefineRequest): void {
  close(request.probe);
  const checks = new Map<string, Check>(request.checks);
  try {
    probes.set(request.probe, createProbe(request.name, checks));
  } catch (error) {
    probes.set(request.probe, { problem: error instanceof Error ? error.message : String(error) });
  }
}

function close(id: number): void {
  const probe = probes.get(id);
  probes.delete(id);
  if (probe !== undefined && "run" in probe) void probe.close?.().catch(() => undefined);
}

function run(id: number, probeId: number, target: ProbeTarget): void {
  const probe = probes.get(probeId);
  if (probe === undefined) return send(id, probeError(`probe ${probeId} is not defined in the worker`));
  if (!("run" in probe)) return send(id, probeError(probe.problem));
  const controller = new AbortController();
  running.set(id, controller);
  void probe
    .run(target, controller.signal)
    .catch((error: unknown) => probeError(`probe crashed: ${String(error)}`))
    .then((result) => {
      running.delete(id);
      send(id, result);
    });
}

function send(id: number, result: ProbeResult): void {
  outbox.push({ id, result });
  if (flushScheduled) return;
  flushScheduled = true;
  later(flush, resultWindowMs);
}

function flush(): void {
  flushScheduled = false;
  const items = outbox;
  outbox = [];
  port.postMessage({ type: "results", items } satisfies ResultBatch);
}

function requirePort(): MessagePort {
  if (parentPort === null)
    throw new GslbError(ErrorCodes.PROBE_CONFIG, "the probe worker must run in a worker thread");
  return parentPort;
}
