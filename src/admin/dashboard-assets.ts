/**
 * The dashboard's static files: the page at `/` and its modules and stylesheet under
 * `/dashboard/`. A fixed list, read once, so no request path ever reaches the file
 * system. The files sit beside this module (the build copies them next to its output).
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
} as const;

/** URL path → file under `dashboard/`. */
const FILES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/dashboard/style.css': 'style.css',
  '/dashboard/app.js': 'app.js',
  '/dashboard/api.js': 'api.js',
  '/dashboard/sse.js': 'sse.js',
  '/dashboard/members.js': 'members.js',
  '/dashboard/tree.js': 'tree.js',
  '/dashboard/charts.js': 'charts.js',
  '/dashboard/store.js': 'store.js',
  '/dashboard/dom.js': 'dom.js',
};

/**
 * Everything the page may load comes from this node; inline scripts and any other
 * origin are refused, so a value shown from the store can never run as code.
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const cache = new Map<string, Promise<Buffer>>();

function load(file: string): Promise<Buffer> {
  let p = cache.get(file);
  if (!p) {
    p = readFile(new URL(`./dashboard/${file}`, import.meta.url));
    // A failed read is retried next time rather than cached.
    p.catch(() => cache.delete(file));
    cache.set(file, p);
  }
  return p;
}

/** True when `path` is one of the dashboard's files. */
export function isDashboardAsset(path: string): boolean {
  return Object.hasOwn(FILES, path);
}

/** Answers a GET/HEAD of one of the dashboard's files. */
export async function serveDashboardAsset(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const file = FILES[path];
  if (file === undefined) throw new Error(`not a dashboard file: ${path}`);
  const body = await load(file);
  const ext = file.slice(file.lastIndexOf('.') + 1) as keyof typeof TYPES;
  res.writeHead(200, {
    'content-type': TYPES[ext],
    'content-length': body.length,
    'cache-control': 'no-cache',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
