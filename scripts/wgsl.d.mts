import type { Plugin } from 'vite';
export function loadWgsl(path: string, seen?: Set<string>): string;
export function wgslDependencies(path: string, seen?: Set<string>): string[];
export function wgslVitePlugin(): Plugin;
export function wgslEsbuildPlugin(): import('esbuild').Plugin;
