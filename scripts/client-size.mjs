/**
 * `npm run size`: the size a page pays for rtc-token-server/client, minified (terser) and gzipped
 * (level 9), from the built dist/client/index.js. test/unit/client-size.test.ts holds it to its
 * budget from the source.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { minify } from 'terser';

/** Bytes of `code` (an ES module) as shipped raw, minified, and minified + gzipped. */
export async function clientSize(code) {
  const { code: minified = '' } = await minify(code, { module: true, compress: true, mangle: true });
  return { raw: Buffer.byteLength(code), minified: Buffer.byteLength(minified), gzipped: gzipSync(minified, { level: 9 }).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = await clientSize(readFileSync(new URL('../dist/client/index.js', import.meta.url), 'utf8'));
  console.log(`rtc-token-server/client: ${size.raw} B built, ${size.minified} B minified, ${size.gzipped} B minified + gzipped`);
}
