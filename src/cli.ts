#!/usr/bin/env node
import { GslbError } from "./errors.ts";

/** One subcommand: a usage text and a runner that returns the process exit code. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import("./commands/serve.ts")).serveCommand,
  check: async () => (await import("./commands/check.ts")).checkCommand,
  import: async () => (await import("./commands/import.ts")).importCommand,
  explain: async () => (await import("./commands/explain.ts")).explainCommand,
  override: async () => {
    const { OVERRIDE_HELP, runOverrideCommand } = await import("./health/commands.ts");
    return {
      summary: "force a target or region up/down/draining, with an expiry (admin API client)",
      usage: OVERRIDE_HELP,
      run: runOverrideCommand,
    };
  },
  drill: async () => {
    const { DRILL_HELP, runDrillCommand } = await import("./health/commands.ts");
    return {
      summary: "run, stop or show failover drills (admin API client)",
      usage: DRILL_HELP,
      run: runDrillCommand,
    };
  },
  proxy: async () => {
    const { PROXY_SUMMARY, PROXY_USAGE, runProxyCommand } = await import("./proxy/cli.ts");
    return { summary: PROXY_SUMMARY, usage: PROXY_USAGE, run: runProxyCommand };
  },
};

const TOP_USAGE = `gslb — authoritative GSLB DNS server with a regional L7 proxy

Usage: gslb <command> [options]      gslb <command> --help

Commands:
`;

async function topHelp(): Promise<string> {
  const lines: string[] = [];
  for (const [name, load] of Object.entries(COMMANDS)) {
    lines.push(`  ${name.padEnd(10)} ${(await load()).summary}`);
  }
  return TOP_USAGE + lines.join("\n") + "\n";
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(await topHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    process.stdout.write("gslb 0.1.0\n");
    return 0;
  }
  const load = COMMANDS[name];
  if (load === undefined) {
    process.stderr.write(`gslb: unknown command "${name}"\n\n${await topHelp()}`);
    return 2;
  }
  const command = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof GslbError) {
      process.stderr.write(`gslb ${name}: ${err.message}\n`);
      return err.code === "GSLB_ERR_USAGE" ? 2 : 1;
    }
    if (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`gslb ${name}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    throw err;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `gslb: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
