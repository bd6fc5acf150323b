/**
 * `npm run k8s:check`: renders every kustomization under deploy/kubernetes (the base and each
 * overlay) with `kubectl kustomize`, offline, and validates every object against the Kubernetes
 * API schemas (the kubernetes-models packages' JSON-schema validation). CI runs it; the
 * Kubernetes test (test/integration/kubernetes.test.ts) uses the same functions.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const KUSTOMIZATIONS = [
  join(ROOT, 'deploy/kubernetes/base'),
  ...readdirSync(join(ROOT, 'deploy/kubernetes/overlays')).map((name) => join(ROOT, 'deploy/kubernetes/overlays', name)),
].filter((dir) => existsSync(join(dir, 'kustomization.yaml')));

/** The objects `kubectl kustomize dir` renders. */
export function render(dir) {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return YAML.parseAllDocuments(out).map((doc) => doc.toJSON());
}

/** The kubernetes-models class for an object: `apps/v1` Deployment → kubernetes-models/apps/v1/Deployment. */
async function modelOf({ apiVersion, kind }) {
  const path = apiVersion.includes('/') ? apiVersion : `v1`;
  const module = await import(`kubernetes-models/${path}/${kind}`);
  return module[kind] ?? module.default;
}

/** Validates each object against its API schema; answers the problems, `kind/name: message`. */
export async function validate(objects) {
  const problems = [];
  for (const object of objects) {
    const label = `${object.kind}/${object.metadata?.name}`;
    try {
      const Model = await modelOf(object);
      new Model(object).validate();
    } catch (error) {
      problems.push(`${label}: ${error.message}`);
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let failed = false;
  for (const dir of KUSTOMIZATIONS) {
    const objects = render(dir);
    const problems = await validate(objects);
    const name = relative(ROOT, dir);
    if (problems.length === 0) console.log(`${name}: ${objects.length} objects valid (${objects.map((o) => o.kind).join(', ')})`);
    else {
      failed = true;
      console.error(`${name}:\n  ${problems.join('\n  ')}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
