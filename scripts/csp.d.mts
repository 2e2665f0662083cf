import type { Plugin } from 'vite';
export const MODEL_HOSTS: string[];
export const DEV_CONNECT: string[];
export function contentSecurityPolicy(options?: { connect?: readonly string[]; meta?: boolean }): string;
export function securityHeaders(options?: { connect?: readonly string[] }): Record<string, string>;
export function headersFile(): string;
export function extraConnectSources(env: Record<string, string | undefined>): string[];
export function cspMetaPlugin(): Plugin;
