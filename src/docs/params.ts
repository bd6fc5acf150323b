/**
 * The parameter tables of docs/api.md, generated from the routes' schemas, so a rule is written
 * once: in its schema. `npm run docs` writes them; a test fails when the committed page differs.
 * Each table sits between `<!-- params: METHOD /path -->` and `<!-- /params -->`.
 */
import { TOKEN_ROUTES } from '../http/routes/tokens.js';
import { defaultText, type Field, type Schema } from '../tokens/args.js';
import type { TokenService } from '../tokens/service.js';

const MARKERS = /(<!-- params: (\S+ \S+) -->\n)[\s\S]*?(<!-- \/params -->)/g;

/** One markdown table: every argument, whether it is required (or its default), its rule and note. */
export function paramTable(schema: Schema, where: 'query' | 'body' = 'query'): string {
  const rows = Object.entries(schema).map(([name, field]) => {
    const presence = field.required ? 'required' : field.fallback === undefined ? 'optional' : `optional, default ${shown(field)}`;
    const rule = where === 'body' ? `${field.rule.doc} (a JSON value in the body)` : field.rule.doc;
    const text = field.note === undefined ? rule : `${rule}. ${field.note}`;
    return `| \`${name}\` | ${presence} | ${text} |`;
  });
  return ['| Parameter | | Rule |', '|---|---|---|', ...rows].join('\n');
}

function shown(field: Field<unknown>): string {
  return `\`${defaultText(field)}\``;
}

/** Every token route's table, by `METHOD /path`, from the schemas a deployment's token service holds. */
export function paramTables(tokens: TokenService): Map<string, string> {
  return new Map(
    TOKEN_ROUTES.map((route) => [
      `${route.method} ${route.path}`,
      paramTable(tokens[route.issuer].schema as Schema, route.method === 'POST' ? 'body' : 'query'),
    ]),
  );
}

/**
 * `markdown` with each marked table replaced by the generated one. Throws when a marker names a
 * route that has no table, so a renamed route cannot leave a stale table behind.
 */
export function withParamTables(markdown: string, tables: ReadonlyMap<string, string>): string {
  return markdown.replace(MARKERS, (_match, open: string, key: string, close: string) => {
    const table = tables.get(key);
    if (table === undefined) throw new Error(`docs: no route ${key} for the marker <!-- params: ${key} -->`);
    return `${open}\n${table}\n\n${close}`;
  });
}
