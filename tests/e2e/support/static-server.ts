// A plain static host for the built app (dist/app) under a sub-path, as a deployment to
// https://example.org/edgewise/ would serve it: files as they are, the README "Deploy" headers on
// every response, nothing rewritten. Shows that the build needs no server of its own.
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { securityHeaders } from '../../../scripts/csp.mjs';

const DIST = fileURLToPath(new URL('../../../dist/app/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.webmanifest': 'application/manifest+json', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.wasm': 'application/wasm', '.txt': 'text/plain',
};

export class StaticServer {
  private server: Server | undefined;
  readonly log: string[] = [];

  constructor(readonly base: string, readonly connect: readonly string[]) {}

  async start(port: number): Promise<string> {
    const headers = securityHeaders({ connect: [...this.connect] });
    this.server = createServer(async (req, res) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      this.log.push(path);
      if (!path.startsWith(this.base)) { res.writeHead(404, headers).end('outside the app'); return; }
      const rel = normalize(path.slice(this.base.length) || 'index.html');
      if (rel.startsWith('..')) { res.writeHead(403, headers).end(); return; }
      const file = join(DIST, rel.endsWith('/') ? `${rel}index.html` : rel);
      try {
        if (!(await stat(file)).isFile()) throw new Error('not a file');
        res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
        res.end(await readFile(file));
      } catch {
        res.writeHead(404, headers).end('not found');
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${port}${this.base}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
