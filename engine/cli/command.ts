// The shape of a `lagamc` subcommand. Each command lives in commands/<name>.ts and is listed in
// commands/index.ts; options are parsed with node's util.parseArgs (strict: unknown flags are
// usage errors, exit code 2).

export type OptionSpec =
  | { type: 'string'; description: string; placeholder?: string; multiple?: boolean; short?: string }
  | { type: 'boolean'; description: string; short?: string };

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  interactive: boolean;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  values: Values;
  positionals: string[];
  io: Io;
  /** Aborted on Ctrl-C, so long runs stop cleanly and keep their last checkpoint. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  /** Usage line after `lagamc <name>`, e.g. `FILE... [--labels F] [--json]`. */
  usage: string;
  options: Record<string, OptionSpec>;
  /** Whether positional arguments are accepted. */
  positionals?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

/** A wrong invocation: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT = { ok: 0, dataError: 1, usage: 2 } as const;

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function required(values: Values, name: string): string {
  const v = str(values, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function num(values: Values, name: string, fallback: number, check?: { min?: number; max?: number; integer?: boolean }): number {
  const v = str(values, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  const bad =
    v.trim() === '' ||
    !Number.isFinite(n) ||
    (check?.integer && !Number.isInteger(n)) ||
    (check?.min !== undefined && n < check.min) ||
    (check?.max !== undefined && n > check.max);
  if (bad) {
    const range = [check?.min !== undefined ? `>= ${check.min}` : '', check?.max !== undefined ? `<= ${check.max}` : ''].filter(Boolean).join(' and ');
    throw new UsageError(`--${name} must be ${check?.integer ? 'an integer' : 'a number'}${range ? ' ' + range : ''}, got "${v}"`);
  }
  return n;
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

export const jsonOption: Record<string, OptionSpec> = { json: { type: 'boolean', description: 'print machine-readable JSON' } };
