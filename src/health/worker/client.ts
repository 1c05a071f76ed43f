/**
 * The main-thread side of the `gslb-prober` worker: a ProbeFactory for the Scheduler whose probes only post
 * `run` requests and resolve with the worker's results, so probe I/O never runs on the DNS query thread.
 *
 * Requests are batched per event-loop turn (one postMessage; the scheduler rounds probe starts to 10 ms slots,
 * so a turn carries every probe of a slot). Results come back batched per `resultWindowMs`: connections
 * finish at scattered times, and per-turn batching there would post (and wake this thread) once per probe.
 * The window delays a result by at most that much; RTTs are measured in the worker. The worker is
 * unref'd (it never keeps the process alive), started on the first request, and replaced after it dies:
 * the death is logged once, in-flight probes fail as "error", and the next request starts a new worker that
 * gets every live definition again. `stop()` terminates it.
 */
import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import { ErrorCodes, GslbError } from "../../errors.ts";
import type { Check } from "../check-schema.ts";
import { probeError, type ProbeResult, type ProbeTarget } from "../probes/probe.ts";
import { checkReferenceProblems, type CheckLookup } from "../probes/registry.ts";
import type { ProbeFactory } from "../scheduler.ts";
import {
  later,
  resultBatchSchema,
  type DefineRequest,
  type ProberData,
  type ProbeRequest,
  type RequestBatch,
} from "./protocol.ts";

/** The worker's name, which Node also gives its OS thread (`/proc/<pid>/task/<tid>/comm`): pin it by that. */
export const PROBER_THREAD_NAME = "gslb-prober";

/** The worker's module beside this one: entry.ts when run from source, entry.js from the build (dist/). */
const ENTRY = new URL(import.meta.url.endsWith(".ts") ? "./entry.ts" : "./entry.js", import.meta.url);
const DEFAULT_RESULT_WINDOW_MS = 20;

export interface ProbeWorkerOptions {
  readonly logger?: Pick<Logger, "warn">;
  /** The worker script; tests wrap the real one. */
  readonly entry?: URL;
  /** The worker gathers results this long before one postMessage; 0: once per event-loop turn. */
  readonly resultWindowMs?: number;
}

interface Pending {
  readonly resolve: (result: ProbeResult) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

export class ProbeWorker {
  private readonly logger: Pick<Logger, "warn"> | undefined;
  private readonly entry: URL;
  private readonly resultWindowMs: number;
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly defined = new Map<number, DefineRequest>();
  private readonly pending = new Map<number, Pending>();
  private outbox: ProbeRequest[] = [];
  private cancelFlush: (() => void) | undefined;
  private nextId = 1;
  private stopped = false;

  constructor(options: ProbeWorkerOptions = {}) {
    this.logger = options.logger;
    this.entry = options.entry ?? ENTRY;
    this.resultWindowMs = options.resultWindowMs ?? DEFAULT_RESULT_WINDOW_MS;
  }

  /** For the Scheduler: a probe of check `name` that runs in the worker. Throws on a bad composite reference. */
  readonly factory: ProbeFactory = (name, checks) => {
    const problems = checkReferenceProblems(checks);
    if (problems.length > 0) {
      throw new GslbError(
        ErrorCodes.PROBE_CONFIG,
        problems.map((p) => `checks.${p.path}: ${p.reason}`).join("\n"),
      );
    }
    const check = checks.get(name);
    if (check === undefined) throw new GslbError(ErrorCodes.PROBE_CONFIG, `unknown check "${name}"`);
    const probe = this.nextId++;
    const define: DefineRequest = { op: "define", probe, name, checks: [...closure(name, checks)] };
    this.defined.set(probe, define);
    this.post(define);
    return {
      kind: check.kind,
      run: (target, signal) => this.run(probe, target, signal),
      close: () => this.close(probe),
    };
  };

  /** Number of probe runs waiting for the worker's answer. */
  inFlight(): number {
    return this.pending.size;
  }

  /** The current worker's thread id, if one runs. */
  threadId(): number | undefined {
    return this.worker?.threadId;
  }

  /** Fails what is in flight, terminates the worker and resolves when its thread has exited. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    this.outbox = [];
    this.failPending("probe worker stopped");
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate();
    await this.exited;
  }

  private run(probe: number, target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
    if (this.stopped) return Promise.resolve(probeError("probe worker stopped"));
    if (signal.aborted) return Promise.resolve(probeError("cancelled"));
    const id = this.nextId++;
    return new Promise((resolve) => {
      const onAbort = (): void => {
        if (this.pending.delete(id)) resolve(probeError("cancelled"));
        this.post({ op: "cancel", id });
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.pending.set(id, { resolve, signal, onAbort });
      this.post({ op: "run", id, probe, target });
    });
  }

  private close(probe: number): Promise<void> {
    if (this.defined.delete(probe)) this.post({ op: "close", probe });
    return Promise.resolve();
  }

  private post(request: ProbeRequest): void {
    if (this.stopped) return;
    this.outbox.push(request);
    this.cancelFlush ??= later(() => this.flush(), 0);
  }

  private flush(): void {
    this.cancelFlush = undefined;
    const items = this.outbox;
    this.outbox = [];
    if (items.length === 0 || this.stopped) return;
    const worker = this.worker ?? this.spawn(items);
    worker.postMessage({ type: "requests", items } satisfies RequestBatch);
  }

  /** A new worker, told every live definition first (the batch may repeat some: a define replaces). */
  private spawn(items: ProbeRequest[]): Worker {
    const workerData: ProberData = { resultWindowMs: this.resultWindowMs };
    const worker = new Worker(this.entry, { name: PROBER_THREAD_NAME, workerData });
    worker.unref();
    this.worker = worker;
    let died: unknown;
    worker.on("message", (message: unknown) => this.onResults(worker, message));
    worker.on("error", (error) => {
      died = error;
    });
    this.exited = new Promise((resolve) => {
      worker.once("exit", (code) => {
        this.onExit(worker, code, died);
        resolve();
      });
    });
    items.unshift(...[...this.defined.values()].filter((d) => !items.includes(d)));
    return worker;
  }

  private onResults(worker: Worker, message: unknown): void {
    const batch = resultBatchSchema.safeParse(message);
    if (!batch.success) {
      this.logger?.warn({ err: batch.error }, "probe worker sent a malformed message; restarting it");
      void worker.terminate();
      return;
    }
    for (const { id, result } of batch.data.items) {
      const pending = this.pending.get(id);
      if (pending === undefined) continue;
      this.pending.delete(id);
      pending.signal.removeEventListener("abort", pending.onAbort);
      pending.resolve(result);
    }
  }

  private onExit(worker: Worker, code: number, error: unknown): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    if (this.stopped) return;
    this.logger?.warn(
      { err: error, code, inFlight: this.pending.size },
      "probe worker exited; in-flight probes fail, the next probe restarts it",
    );
    this.failPending(`probe worker exited (code ${code})`);
    this.outbox = this.outbox.filter((r) => r.op !== "run" && r.op !== "cancel");
  }

  private failPending(detail: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      p.signal.removeEventListener("abort", p.onAbort);
      p.resolve(probeError(detail));
    }
  }
}

/** The check and, for a composite, its members, transitively: all the worker needs to build the probe. */
function closure(name: string, checks: CheckLookup, into = new Map<string, Check>()): Map<string, Check> {
  const check = checks.get(name);
  if (check === undefined || into.has(name)) return into;
  into.set(name, check);
  if (check.kind === "composite") for (const member of check.checks) closure(member, checks, into);
  return into;
}
