// Entry logic of the `lagamc` command line: dispatch, help, and the mapping of failures to exit
// codes (0 ok, 1 data errors, 2 usage errors). Kept free of process.exit so tests call it directly.
import { parseArgs } from 'node:util';
import { DataError, formatDiagnostic } from '../data/diagnostics';
import { EXIT, UsageError, type Command, type Io } from './command';
import { commands } from './commands/index';

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'lagamc: multi-label text classification from label descriptions',
    '',
    'Usage: lagamc <command> [options]      lagamc <command> --help',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 ok, 1 data errors, 2 usage errors.',
  ].join('\n');
}

export function commandHelp(c: Command): string {
  const opts = Object.entries(c.options).map(([name, o]) => {
    const left = `--${name}${o.type === 'string' ? ` ${o.placeholder ?? 'VALUE'}` : ''}${'short' in o && o.short ? `, -${o.short}` : ''}`;
    return [left, o.description] as const;
  });
  const width = Math.max(0, ...opts.map(([l]) => l.length));
  return [`Usage: lagamc ${c.name} ${c.usage}`, '', c.summary, '', 'Options:', ...opts.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`)].join('\n');
}

export async function runCli(argv: string[], io: Io, signal: AbortSignal = new AbortController().signal): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version') {
    io.out(VERSION);
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`lagamc: unknown command "${name}"\n\n${helpText()}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(command));
    return EXIT.ok;
  }
  try {
    const options = Object.fromEntries(
      Object.entries(command.options).map(([k, o]) => [k, { type: o.type, ...('short' in o && o.short ? { short: o.short } : {}), ...(o.type === 'string' && o.multiple ? { multiple: true } : {}) }]),
    );
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options, allowPositionals: command.positionals ?? false, strict: true });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    return await command.run({ values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals: parsed.positionals, io, signal });
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`lagamc ${command.name}: ${e.message}\n\n${commandHelp(command)}`);
      return EXIT.usage;
    }
    if (e instanceof DataError) {
      for (const d of e.diagnostics) io.err(formatDiagnostic(d));
      return EXIT.dataError;
    }
    io.err(`lagamc ${command.name}: ${(e as Error).message}`);
    return EXIT.dataError;
  }
}

declare const __LAGAMC_VERSION__: string | undefined;
const VERSION = typeof __LAGAMC_VERSION__ === 'string' ? __LAGAMC_VERSION__ : 'dev';
