/**
 * `npm run examples`: serves the examples on http://127.0.0.1:5173 (another origin than the token
 * server's :8080, as a real frontend is), with the built client at /client/index.js. Start the
 * token server first (`npm start`), then open http://127.0.0.1:5173/agora-web/.
 *   node examples/serve.mjs [port]
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXAMPLES = fileURLToPath(new URL('.', import.meta.url));
const CLIENT = fileURLToPath(new URL('../dist/client/', import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css' };

/** The request handler: /client/… from the build, everything else from examples/ (directories answer their index.html). */
export function examplesHandler() {
  return async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const [root, rest] = path.startsWith('/client/') ? [CLIENT, path.slice('/client/'.length)] : [EXAMPLES, path.slice(1)];
    const file = normalize(join(root, rest.endsWith('/') || rest === '' ? `${rest}index.html` : rest));
    const type = TYPES[extname(file)];
    if (!file.startsWith(root.endsWith(sep) ? root : root + sep) || type === undefined) return void res.writeHead(404).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 5173);
  createServer(examplesHandler()).listen(port, '127.0.0.1', () => {
    console.log(`examples on http://127.0.0.1:${port}/agora-web/ (the token server is expected on http://localhost:8080: npm start)`);
  });
}
