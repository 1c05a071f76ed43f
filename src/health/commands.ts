/**
 * `gslb override ...` and `gslb drill ...`: thin clients of the admin API (writes carry the bearer token from
 * --token or GSLB_ADMIN_TOKEN; the API address comes from --admin or GSLB_ADMIN, default 127.0.0.1:8053).
 * Exit codes: 0 done, 1 the server refused or failed, 2 usage error.
 */
import { parseArgs } from "node:util";
import { request } from "undici";

export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const processIo: CommandIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
};

export const OVERRIDE_HELP = `Usage:
  gslb override set (target KEY | region NAME) (up|down|draining) --reason TEXT [--for 30m] [--by NAME] [--force]
  gslb override clear (ID | target KEY | region NAME)
  gslb override list [--json]

  KEY is a health target key, check@probe-address (e.g. web@10.0.0.1:80).
  --for    expiry as a duration (30s, 15m, 2h); without it the override stays until cleared.
  --force  store it even though no zone served has that target or region (it is refused otherwise).
Options:
  --admin ADDR:PORT   admin API (default GSLB_ADMIN or 127.0.0.1:8053)
  --token TOKEN       bearer token for writes (default GSLB_ADMIN_TOKEN)
`;

export const DRILL_HELP = `Usage:
  gslb drill run NAME --now [--by NAME]   start a drill now (it reverts by itself)
  gslb drill stop NAME [--by NAME]        abort a running drill
  gslb drill status [--json]              drills, their next run, the running one and the last reports
Options:
  --admin ADDR:PORT   admin API (default GSLB_ADMIN or 127.0.0.1:8053)
  --token TOKEN       bearer token for writes (default GSLB_ADMIN_TOKEN)
`;

const COMMON_OPTIONS = {
  admin: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  by: { type: "string" },
} as const;

class UsageError extends Error {}

export async function runOverrideCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  return runCommand(
    argv,
    io,
    OVERRIDE_HELP,
    { reason: { type: "string" }, for: { type: "string" }, force: { type: "boolean", default: false } },
    overrideAction,
  );
}

export async function runDrillCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  return runCommand(argv, io, DRILL_HELP, { now: { type: "boolean", default: false } }, drillAction);
}

type Values = Record<string, string | boolean | undefined>;

interface Invocation {
  readonly positionals: readonly string[];
  readonly values: Values;
  readonly api: AdminClient;
  readonly io: CommandIo;
}

async function runCommand(
  argv: string[],
  io: CommandIo,
  help: string,
  extra: Record<string, { type: "string" | "boolean"; default?: boolean }>,
  action: (inv: Invocation) => Promise<number>,
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...extra },
      allowPositionals: true,
      strict: true,
    });
    if (values.help === true || positionals.length === 0) {
      io.out(help);
      return values.help === true ? 0 : 2;
    }
    const api = new AdminClient(
      str(values.admin) ?? io.env["GSLB_ADMIN"] ?? "127.0.0.1:8053",
      str(values.token) ?? io.env["GSLB_ADMIN_TOKEN"],
    );
    return await action({ positionals, values, api, io });
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true
    ) {
      io.err(`${(error as Error).message}\n\n${help}`);
      return 2;
    }
    io.err(`error: ${(error as Error).message}\n`);
    return 1;
  }
}

async function overrideAction(inv: Invocation): Promise<number> {
  const [verb = "", ...rest] = inv.positionals;
  const { values } = inv;
  switch (verb) {
    case "list":
      return callAndPrint(inv, "GET", "/overrides", undefined, 200, (body) =>
        formatOverrides((body as { overrides: OverrideRow[] }).overrides),
      );
    case "set": {
      const [scope, name, state] = expectArgs(rest, 3, "set needs SCOPE NAME STATE");
      const body = {
        scope,
        name,
        state,
        reason: str(values.reason),
        for: str(values.for),
        by: str(values.by),
        ...(values.force === true ? { force: true } : {}),
      };
      if (body.reason === undefined) throw new UsageError("set needs --reason");
      return callAndPrint(
        inv,
        "POST",
        "/overrides",
        body,
        201,
        (reply) => `set ${formatOverrides([(reply as { override: OverrideRow }).override])}`,
      );
    }
    case "clear": {
      const selector =
        rest.length === 1
          ? { id: rest[0] }
          : { scope: rest[0], name: expectArgs(rest, 2, "clear needs ID or SCOPE NAME")[1] };
      return callAndPrint(
        inv,
        "DELETE",
        "/overrides",
        { ...selector, by: str(values.by) },
        200,
        () => "cleared\n",
      );
    }
    default:
      throw new UsageError(`unknown override command "${verb}"`);
  }
}

async function drillAction(inv: Invocation): Promise<number> {
  const [verb = "", ...rest] = inv.positionals;
  const { values } = inv;
  switch (verb) {
    case "status":
      return callAndPrint(inv, "GET", "/drills", undefined, 200, (body) =>
        formatDrills((body as { drills: DrillRow[] }).drills),
      );
    case "run": {
      const [name] = expectArgs(rest, 1, "run needs NAME");
      if (values.now !== true) throw new UsageError("drill run starts a drill at once: confirm with --now");
      return callAndPrint(
        inv,
        "POST",
        "/drills/run",
        { name, by: str(values.by) },
        202,
        () => `drill ${name} started\n`,
      );
    }
    case "stop": {
      const [name] = expectArgs(rest, 1, "stop needs NAME");
      return callAndPrint(
        inv,
        "POST",
        "/drills/stop",
        { name, by: str(values.by) },
        200,
        () => `drill ${name} stopped\n`,
      );
    }
    default:
      throw new UsageError(`unknown drill command "${verb}"`);
  }
}

/** One admin API call; with the `expected` status its reply is printed (as JSON with --json), else the failure. */
async function callAndPrint(
  { api, io, values }: Invocation,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body: unknown,
  expected: number,
  human: (replyBody: unknown) => string,
): Promise<number> {
  const reply = await api.call(method, path, body);
  if (reply.status !== expected) return failed(io, reply);
  io.out(values.json === true ? json(reply.body) : human(reply.body));
  return 0;
}

class AdminClient {
  private readonly base: string;
  private readonly token: string | undefined;

  constructor(address: string, token: string | undefined) {
    this.base = /^https?:\/\//.test(address) ? address.replace(/\/$/, "") : `http://${address}`;
    this.token = token;
  }

  async call(
    method: "GET" | "POST" | "DELETE",
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.token !== undefined) headers["authorization"] = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await request(this.base + path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const text = await response.body.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text: an error page from something that is not our admin API
    }
    return { status: response.statusCode, body: parsed };
  }
}

interface OverrideRow {
  readonly id: string;
  readonly scope: string;
  readonly name: string;
  readonly state: string;
  readonly reason: string;
  readonly expiresAt: number | null;
  readonly by: string;
}

interface DrillRow {
  readonly name: string;
  readonly phase: string;
  readonly nextRun: number | null;
  readonly regions: readonly string[];
  readonly lastReport?: {
    readonly startedAt: number;
    readonly aborted: boolean;
    readonly abortReason?: string | null;
  } | null;
}

function formatOverrides(rows: readonly OverrideRow[]): string {
  if (rows.length === 0) return "no overrides\n";
  return rows
    .map((o) => {
      const until = o.expiresAt === null ? "no expiry" : `until ${new Date(o.expiresAt).toISOString()}`;
      return `${o.id}  ${o.scope} ${o.name} ${o.state}  ${until}  by ${o.by}: ${o.reason}\n`;
    })
    .join("");
}

function formatDrills(rows: readonly DrillRow[]): string {
  if (rows.length === 0) return "no drills\n";
  return rows
    .map((d) => {
      const next = d.nextRun === null ? "not scheduled" : `next ${new Date(d.nextRun).toISOString()}`;
      const last =
        d.lastReport === undefined || d.lastReport === null
          ? "never ran"
          : `last ${new Date(d.lastReport.startedAt).toISOString()}${d.lastReport.aborted ? ` aborted: ${d.lastReport.abortReason ?? ""}` : ""}`;
      return `${d.name}  ${d.phase}  regions ${d.regions.join(",")}  ${next}  ${last}\n`;
    })
    .join("");
}

function failed(io: CommandIo, reply: { status: number; body: unknown }): number {
  const message =
    typeof reply.body === "object" && reply.body !== null && "error" in reply.body
      ? String(reply.body.error)
      : String(reply.body);
  io.err(`error: admin API answered ${reply.status}: ${message}\n`);
  const known = knownNames(reply.body);
  if (known !== undefined) io.err(`known: ${known}\n`);
  return 1;
}

/** The `known` names a 404 for an unknown override subject lists, as one line. */
function knownNames(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("known" in body) || !Array.isArray(body.known))
    return undefined;
  const more = "more" in body && typeof body.more === "number" ? ` (and ${body.more} more)` : "";
  return body.known.length === 0 ? "none" : `${body.known.join(", ")}${more}`;
}

function expectArgs(args: readonly string[], count: number, message: string): string[] {
  if (args.length !== count) throw new UsageError(message);
  return [...args];
}

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function json(body: unknown): string {
  return `${JSON.stringify(body, null, 2)}\n`;
}
