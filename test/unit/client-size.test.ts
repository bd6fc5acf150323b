/**
 * rtc-token-server/client is loaded by pages: it imports nothing and stays within its size budget
 * (3 KB minified + gzipped), measured the way `npm run size` measures the built file.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without declarations
import { clientSize } from '../../scripts/client-size.mjs';

const SOURCE = readFileSync(new URL('../../src/client/index.ts', import.meta.url), 'utf8');
const BUILT = ts.transpileModule(SOURCE, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 } }).outputText;

describe('rtc-token-server/client', () => {
  it('when built, then it imports nothing (no runtime dependency, loadable as it is by a page)', () => {
    expect(BUILT).not.toMatch(/^\s*import\s|\brequire\(|\bimport\(/m);
  });

  it('when minified and gzipped, then it is at most 3 KB', async () => {
    const size = (await clientSize(BUILT)) as { minified: number; gzipped: number };
    expect(size.gzipped).toBeGreaterThan(500);
    expect(size.gzipped).toBeLessThanOrEqual(3 * 1024);
  });
});
