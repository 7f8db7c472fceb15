// The web page, built once at start: index.html with its stylesheet and script inlined (one request,
// works offline), a Content-Security-Policy allowing exactly those two by hash, and a gzip copy.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

export interface Page {
  html: Buffer;
  gzip: Buffer;
  csp: string;
}

const dir = new URL('./page/', import.meta.url);
const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

export async function loadPage(): Promise<Page> {
  const [template, style, script] = await Promise.all(['index.html', 'style.css', 'app.js'].map((f) => readFile(new URL(f, dir), 'utf8')));
  const html = template!.replace('/*STYLE*/', () => style!).replace('/*SCRIPT*/', () => script!);
  const csp = [
    "default-src 'none'",
    `script-src ${hash(script!)}`,
    `style-src ${hash(style!)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const bytes = Buffer.from(html, 'utf8');
  return { html: bytes, gzip: await promisify(gzip)(bytes, { level: 9 }), csp };
}
