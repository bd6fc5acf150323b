/**
 * deploy/kubernetes as a platform engineer applies it, checked offline: every kustomization renders
 * with `kubectl kustomize` and every object validates against the Kubernetes API schemas
 * (scripts/k8s-check.mjs, as CI runs it); the Deployment has the probes, security context, secret
 * mounts and drain the docs promise; and every *_FILE it names is a setting that may come from a file.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FILE_SETTINGS } from '../../src/config/files.js';
import { SETTINGS } from '../../src/config/settings.js';
// @ts-expect-error: a plain ES module script without declarations
import { KUSTOMIZATIONS, render, validate } from '../../scripts/k8s-check.mjs';

type Json = Record<string, any>;
const hasKubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const SKIP_NOTE = hasKubectl ? '' : ' (skipped: kubectl is not installed)';
const renderAll = () => (KUSTOMIZATIONS as string[]).map((dir) => ({ dir, objects: render(dir) as Json[] }));

describe.skipIf(!hasKubectl)(`deploy/kubernetes${SKIP_NOTE}`, () => {
  const rendered = hasKubectl ? renderAll() : [];
  const find = (objects: Json[], kind: string) => objects.find((o) => o.kind === kind)!;

  it('when each kustomization is rendered, then every object validates against the Kubernetes API schemas', async () => {
    expect(rendered.map((r) => r.dir.split('deploy/kubernetes/')[1])).toEqual(['base', 'overlays/production']);
    for (const { dir, objects } of rendered) {
      expect(objects.map((o) => o.kind).sort(), dir).toEqual(
        expect.arrayContaining(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']),
      );
      expect(await validate(objects), dir).toEqual([]);
    }
  });

  it('when an object breaks the API schema, then validation names it (the check can fail)', async () => {
    const deployment = structuredClone(find(rendered[0]!.objects, 'Deployment'));
    deployment.spec.replicas = 'three';
    const problems = (await validate([deployment])) as string[];
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^Deployment\/rtc-token-server: .*replicas/);
  });

  it.each(['base', 'overlays/production'])(
    'when %s is rendered, then the pod has the probes, the drain, the security context and the secret mounts',
    (which) => {
      const objects = rendered.find((r) => r.dir.endsWith(which))!.objects;
      const pod = find(objects, 'Deployment').spec.template.spec;
      const container = pod.containers[0];
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
      // The grace period covers the pause, SHUTDOWN_TIMEOUT_MS and a margin.
      const configMap = find(objects, 'ConfigMap').data;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(5 + Number(configMap.SHUTDOWN_TIMEOUT_MS) / 1000);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      // Writable: only an emptyDir; the Secret is mounted read-only, owner-read only.
      const writable = container.volumeMounts.filter((m: Json) => !m.readOnly).map((m: Json) => pod.volumes.find((v: Json) => v.name === m.name));
      expect(writable.every((v: Json) => v.emptyDir !== undefined)).toBe(true);
      const secretMount = container.volumeMounts.find((m: Json) => m.name === 'secrets');
      expect(secretMount).toEqual({ name: 'secrets', mountPath: '/run/secrets/rtc-token-server', readOnly: true });
      expect(pod.volumes.find((v: Json) => v.name === 'secrets').secret).toEqual({ secretName: 'rtc-token-server', defaultMode: 0o400 });
      expect(container.resources.requests).toBeDefined();
      expect(container.resources.limits.memory).toBeDefined();
    },
  );

  it('when the Deployment names settings, then each is a setting, each secret comes from a file under the Secret mount, and none is a plain secret variable', () => {
    for (const { dir, objects } of rendered) {
      const container = find(objects, 'Deployment').spec.template.spec.containers[0];
      const env = container.env as { name: string; value: string }[];
      const configMap = find(objects, 'ConfigMap').data as Record<string, string>;
      for (const { name, value } of env) {
        if (name.endsWith('_FILE')) {
          expect(FILE_SETTINGS, `${dir}: ${name}`).toContain(name.slice(0, -'_FILE'.length));
          expect(value).toBe(`/run/secrets/rtc-token-server/${name.slice(0, -'_FILE'.length)}`);
        } else {
          expect(SETTINGS, `${dir}: ${name}`).toContain(name);
        }
      }
      for (const name of Object.keys(configMap)) {
        expect(SETTINGS, `${dir}: ConfigMap ${name}`).toContain(name);
        expect(FILE_SETTINGS as readonly string[], `${dir}: ${name} is a secret and belongs in the Secret`).not.toContain(name);
      }
      expect(env.map((e) => e.name)).toEqual(expect.arrayContaining(['DATABASE_URL_FILE', 'REDIS_URL_FILE', 'ADMIN_API_KEY_FILE', 'CLIENT_API_KEYS_FILE']));
    }
  });

  it('when the production overlay is rendered, then it runs 3 replicas of the registry image in its namespace, scaling from 3 on CPU', () => {
    const objects = rendered.find((r) => r.dir.endsWith('production'))!.objects;
    const deployment = find(objects, 'Deployment');
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.metadata.namespace).toBe('rtc-token-server');
    expect(deployment.spec.template.spec.containers[0].image).toBe('registry.example.com/rtc-token-server:0.1.0');
    const hpa = find(objects, 'HorizontalPodAutoscaler').spec;
    expect([hpa.minReplicas, hpa.metrics[0].resource.name]).toEqual([3, 'cpu']);
    expect(find(objects, 'Service').spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(find(objects, 'PodDisruptionBudget').spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });
});
