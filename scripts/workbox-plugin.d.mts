import type { Plugin } from 'vite';
export const PRECACHE_GLOBS: string[];
export function workboxPlugin(): Plugin;
