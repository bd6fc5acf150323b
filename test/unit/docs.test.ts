/**
 * The docs hold to the code: docs/api.md's parameter tables are what the schemas generate
 * (`npm run docs` rewrites them), the README stays a front door, and every relative link between
 * the README and docs/ lands on a file and heading that exist.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { paramTables, withParamTables } from '../../src/docs/params.js';
import { TOKEN_ROUTES } from '../../src/http/routes/tokens.js';
import { createTokenService } from '../../src/tokens/service.js';
import { SETTINGS } from '../../src/config/settings.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('docs/api.md parameter tables', () => {
  const api = read('docs/api.md');

  it('when generated from the schemas, then they equal the committed page (run `npm run docs` after changing a schema)', () => {
    const generated = withParamTables(api, paramTables(createTokenService(loadConfig({ NODE_ENV: 'test' }))));
    expect(generated).toBe(api);
  });

  it('when a token route exists, then the page has its table', () => {
    for (const route of TOKEN_ROUTES) expect(api).toContain(`<!-- params: ${route.method} ${route.path} -->`);
  });
});

describe('docs/configuration.md and .env.example', () => {
  it('when a setting exists, then the configuration page has its row and .env.example its line', () => {
    const page = read('docs/configuration.md');
    const example = read('.env.example');
    expect(SETTINGS.filter((name) => !page.includes(`| \`${name}\` |`))).toEqual([]);
    expect(SETTINGS.filter((name) => !new RegExp(`^#?${name}=`, 'm').test(example))).toEqual([]);
  });
});

describe('README', () => {
  const readme = read('README.md');

  it('when a newcomer opens it, then the two commands come first and it stays under 350 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(350);
    const firstBlock = /```\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(firstBlock).toBe(
      'npm install && npm start   # serves on :8080: SQLite file store, generated dev credentials\nnpm test                   # the whole test suite\n',
    );
  });
});

/** GitHub's anchor for a heading: lowercase, punctuation but - and _ dropped, spaces to -. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]!)));
}

describe('links between the README and docs/', () => {
  it.each(PAGES)('when %s links to a page or heading, then it exists', (page) => {
    const text = read(page).replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [file, hash] = target!.split('#') as [string, string | undefined];
      const path = file === '' ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), file);
      if (!existsSync(path)) {
        broken.push(target!);
        continue;
      }
      if (hash !== undefined && path.endsWith('.md') && !anchorsOf(readFileSync(path, 'utf8')).has(hash)) broken.push(target!);
    }
    expect(broken).toEqual([]);
  });
});
