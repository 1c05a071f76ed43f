/** The audit log: one JSON object per line, appended in order, for every override and drill action. */
import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";

export interface AuditRecord {
  /** ISO 8601 time. */
  readonly time: string;
  readonly action: string;
  readonly by: string;
  readonly [detail: string]: unknown;
}

export interface AuditLog {
  append(record: AuditRecord): void;
}

/** Appends to a file; writes are chained so lines keep their order. Errors go to `onError`, never thrown. */
export class FileAuditLog implements AuditLog {
  private readonly path: string;
  private readonly onError: (error: unknown) => void;
  private tail: Promise<void> = Promise.resolve();

  constructor(path: string, onError: (error: unknown) => void = () => undefined) {
    this.path = path;
    this.onError = onError;
  }

  append(record: AuditRecord): void {
    const line = `${JSON.stringify(record)}\n`;
    this.tail = this.tail.then(() => this.write(line)).catch(this.onError);
  }

  /** Resolves when every appended record is on disk. */
  flush(): Promise<void> {
    return this.tail;
  }

  private async write(line: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, line, "utf8");
  }
}

export class MemoryAuditLog implements AuditLog {
  readonly records: AuditRecord[] = [];

  append(record: AuditRecord): void {
    this.records.push(record);
  }
}
