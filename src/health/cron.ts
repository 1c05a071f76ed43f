/**
 * Next fire time of a node-cron pattern after a given instant, so drills run on the injected clock.
 * node-cron v4 only answers "next run from the real now"; its public `match(date)` is exact for any
 * instant, so we walk candidate seconds minute by minute (bounded to one year).
 */
import { createTask, parse, type ScheduledTask } from "node-cron";

const MINUTE = 60_000;
const YEAR = 366 * 24 * 60 * MINUTE;

export interface CronSchedule {
  /** First fire time strictly after `afterMs`, or null when none within a year. */
  nextAfter(afterMs: number): number | null;
}

export function cronSchedule(pattern: string, timezone?: string): CronSchedule {
  const task: ScheduledTask = createTask(
    pattern,
    () => undefined,
    timezone === undefined ? {} : { timezone },
  );
  const seconds = [...parse(pattern).second].sort((a, b) => a - b);
  return {
    nextAfter(afterMs) {
      const limit = afterMs + YEAR;
      for (let minute = Math.floor(afterMs / MINUTE) * MINUTE; minute < limit; minute += MINUTE) {
        for (const second of seconds) {
          const candidate = minute + second * 1000;
          if (candidate > afterMs && task.match(new Date(candidate))) return candidate;
        }
      }
      return null;
    },
  };
}
