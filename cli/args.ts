// A small argument parser over node:util's parseArgs that turns its errors into UsageError.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export interface CliCommand {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(`expected ${positionals} positional argument(s), got ${parsed.positionals.length}`);
  }
  return parsed;
}

export function intList(text: string, what: string): number[] {
  const out = text.split(',').filter((s) => s.trim() !== '').map(Number);
  if (out.some((n) => !Number.isInteger(n) || n < 0)) throw new UsageError(`${what} must be comma-separated non-negative integers`);
  return out;
}

export function numberOption(value: string | undefined, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`${what} must be a number, got '${value}'`);
  return n;
}
