/**
 * The deploy files cannot be run here (no Docker, no Kubernetes), so their structure
 * is checked: every YAML document parses, and the fields a node needs agree with
 * each other and with the CLI.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { NODE_FLAGS } from '../../src/cli/node-flags.js';
import { RECOMMENDED_V8_FLAGS } from '../../src/node/recommended-v8-flags.js';
import { parseSeed } from '../../src/peer-service/seed-resolver.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is walked field by field
type Doc = any;

function load(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(`${DEPLOY}kubernetes/${file}`, 'utf8'));
  for (const d of docs) expect(d.errors, `${file}: ${d.errors.join('; ')}`).toEqual([]);
  return docs.map((d) => d.toJS());
}

const [service] = load('service.yaml');
const [statefulSet] = load('statefulset.yaml');
const [secret] = load('secret.example.yaml');
const [monitor] = load('servicemonitor.yaml');
const [kustomization] = load('kustomization.yaml');
const pod = statefulSet.spec.template;
const container = pod.spec.containers[0];
const env = new Map<string, Doc>(container.env.map((e: Doc) => [e.name, e]));
const envValue = (name: string): string => {
  const v = env.get(name)?.value;
  expect(v, `${name} has a value`).toBeTypeOf('string');
  return v as string;
};
const portNamed = (name: string): number =>
  container.ports.find((p: Doc) => p.name === name)?.containerPort;

describe('kubernetes manifests', () => {
  it('a StatefulSet of 3 governed by a headless Service that selects its pods', () => {
    expect(statefulSet.kind).toBe('StatefulSet');
    expect(statefulSet.spec.replicas).toBe(3);
    expect(service.kind).toBe('Service');
    expect(service.spec.clusterIP).toBe('None');
    expect(statefulSet.spec.serviceName).toBe(service.metadata.name);
    for (const [k, v] of Object.entries(service.spec.selector)) {
      expect(pod.metadata.labels[k]).toBe(v);
      expect(statefulSet.spec.selector.matchLabels[k]).toBe(v);
    }
    expect(kustomization.resources).toEqual(['service.yaml', 'statefulset.yaml']);
  });

  it('every PLUMTREE_ variable is one the CLI knows', () => {
    const known = new Set(NODE_FLAGS.map((f) => f.env));
    const used = [...env.keys()].filter((n) => n.startsWith('PLUMTREE_'));
    expect(used.length).toBeGreaterThan(5);
    for (const name of used) expect(known.has(name), name).toBe(true);
  });

  it('the node name is the pod name, the secret and admin token come from the Secret', () => {
    expect(env.get('PLUMTREE_NAME')?.valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    for (const [name, key] of [
      ['PLUMTREE_SECRET', 'secret'],
      ['PLUMTREE_ADMIN_TOKEN', 'admin-token'],
    ]) {
      const ref = env.get(name as string)?.valueFrom.secretKeyRef;
      expect(ref.name).toBe(secret.metadata.name);
      expect(ref.key).toBe(key);
      expect(Object.keys(secret.stringData)).toContain(key);
    }
  });

  it('joins through dns: of the headless Service, on the channel port, and advertises the pod name', () => {
    const channelPort = portNamed('plumtree');
    expect(envValue('PLUMTREE_PORT')).toBe(String(channelPort));
    const join = envValue('PLUMTREE_JOIN').replaceAll('$(POD_NAMESPACE)', 'ns');
    const seed = parseSeed(join);
    expect(seed).toEqual({
      kind: 'dns',
      name: `${service.metadata.name}.ns.svc.cluster.local`,
      port: channelPort,
    });
    const advertise = envValue('PLUMTREE_ADVERTISE');
    expect(advertise).toBe(
      `$(POD_NAME).${service.metadata.name}.$(POD_NAMESPACE).svc.cluster.local:${channelPort}`,
    );
    // $(VAR) expands only variables defined earlier in the list.
    const names = [...env.keys()];
    for (const used of ['POD_NAME', 'POD_NAMESPACE'])
      expect(names.indexOf(used)).toBeLessThan(names.indexOf('PLUMTREE_ADVERTISE'));
    expect(service.spec.ports.map((p: Doc) => p.port)).toContain(channelPort);
  });

  it('the admin API listens beyond loopback and the probes ask it for /health', () => {
    expect(envValue('PLUMTREE_ADMIN_HOST')).toBe('0.0.0.0');
    expect(envValue('PLUMTREE_ADMIN_PORT')).toBe(String(portNamed('admin')));
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(probe.httpGet.path).toBe('/health');
      expect(probe.httpGet.port).toBe('admin');
    }
  });

  it('the data dir is the mount of a volume claim template', () => {
    const mount = container.volumeMounts.find(
      (m: Doc) => m.mountPath === envValue('PLUMTREE_DATA_DIR'),
    );
    expect(mount).toBeDefined();
    const claims = statefulSet.spec.volumeClaimTemplates.map((t: Doc) => t.metadata.name);
    expect(claims).toContain(mount.name);
  });

  it('runs as a non-root user', () => {
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    expect(pod.spec.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
  });

  it('Prometheus scrapes /metrics on the admin port, with the admin token', () => {
    const a = pod.metadata.annotations;
    expect(a['prometheus.io/scrape']).toBe('true');
    expect(a['prometheus.io/port']).toBe(String(portNamed('admin')));
    expect(a['prometheus.io/path']).toBe('/metrics');
    const endpoint = monitor.spec.endpoints[0];
    expect(endpoint.port).toBe('admin');
    expect(endpoint.path).toBe('/metrics');
    expect(endpoint.bearerTokenSecret).toEqual({ name: secret.metadata.name, key: 'admin-token' });
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(`${DEPLOY}Dockerfile`, 'utf8');
  const lines = text.split('\n').filter((l) => !l.trimStart().startsWith('#'));

  it('is multi-stage and installs only runtime dependencies in the final stage', () => {
    const stages = lines.filter((l) => /^FROM\s/.test(l));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const last = lines.slice(lines.indexOf(stages[stages.length - 1] as string)).join('\n');
    expect(last).toMatch(/npm ci --omit=dev/);
    expect(last).toMatch(/COPY --from=build .*dist/);
  });

  it('runs as a non-root user, checks /health, and starts plumtree node', () => {
    const user = lines.filter((l) => /^USER\s/.test(l)).pop();
    expect(user).toBeDefined();
    expect(user).not.toMatch(/\b(root|0)\b/);
    expect(lines.join('\n')).toMatch(/HEALTHCHECK[\s\S]*\/health/);
    expect(lines.find((l) => l.startsWith('ENTRYPOINT'))).toContain('"node"');
  });

  it('starts node with the recommended V8 flags', () => {
    const entrypoint = lines.find((l) => l.startsWith('ENTRYPOINT')) ?? '';
    for (const flag of RECOMMENDED_V8_FLAGS) expect(entrypoint).toContain(`"${flag}"`);
  });
});
