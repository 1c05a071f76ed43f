/**
 * What a resolution did, step by step, recorded only when explaining (`gslb explain`, the admin API).
 * The query path passes `trace: null` and every recording site is behind one null check.
 */
export type TraceValue = string | number | boolean | null;

export interface TraceEvent {
  /** The policy (or pool) that recorded the step. */
  readonly policy: string;
  readonly step: TraceStep;
  readonly detail: Readonly<Record<string, TraceValue>>;
}

export type TraceStep =
  "geoip" | "rule" | "estimate" | "member" | "pool" | "target" | "fallback" | "pick" | "all-down" | "result";

export class Trace {
  readonly events: TraceEvent[] = [];

  add(policy: string, step: TraceStep, detail: Readonly<Record<string, TraceValue>>): void {
    this.events.push({ policy, step, detail });
  }
}
