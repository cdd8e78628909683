import { describe, expect, it } from 'vitest';
import { searchSpec } from '../containers/parts.js';
import { LOG4J2_PROPERTIES, opensearchClasspath, opensearchJvmArgs, opensearchYml } from './opensearch-config.js';

/** Parses the flat `key: value` lines the node reads (comments and blanks skipped). */
function settings(yml: string): Record<string, string> {
  return Object.fromEntries(
    yml
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i), l.slice(i + 1).trim()];
      }),
  );
}

describe('the native search engine configuration', () => {
  const yml = settings(opensearchYml('/state/native/search', { http: 41001, transport: 41002 }, 2));

  it('is one node on loopback, on the ports it was given, with its own data and log dirs', () => {
    expect(yml).toMatchObject({
      'discovery.type': 'single-node',
      'network.host': '127.0.0.1',
      'http.port': '41001',
      'transport.port': '41002',
      'path.data': '/state/native/search/data',
      'path.logs': '/state/native/search/logs',
      'node.processors': '2',
    });
  });

  it('cannot turn the index read-only because a shared disk is nearly full', () => {
    expect(yml['cluster.routing.allocation.disk.threshold_enabled']).toBe('false');
  });

  it('sets no index-level default (a node refuses them in its settings)', () => {
    expect(Object.keys(yml).filter((k) => k.startsWith('index.'))).toEqual([]);
  });

  it('logs to the console only (chatlab writes stdout to the component log)', () => {
    expect(LOG4J2_PROPERTIES).toContain('appender.console.type = Console');
    expect(LOG4J2_PROPERTIES).not.toMatch(/RollingFile|type = File/);
  });

  it('runs the launcher jar with a fixed heap, only jars on the class path, and the class-data flag when given', () => {
    const classpath = opensearchClasspath('/c/jars/opensearch-x', '/c/jars/launcher-y/launcher.jar');
    // class-data sharing refuses directories on the class path
    expect(classpath).toBe('/c/jars/opensearch-x/*:/c/jars/launcher-y/launcher.jar');
    const args = opensearchJvmArgs({ dir: '/s/search', classpath, heap: '384m', classData: '-XX:SharedArchiveFile=/c/a.jsa' });
    expect(args).toEqual(expect.arrayContaining(['-Xms384m', '-Xmx384m', '-Djava.io.tmpdir=/s/search/tmp', '-XX:SharedArchiveFile=/c/a.jsa']));
    expect(args.slice(-4)).toEqual(['-cp', classpath, 'Launcher', '/s/search']);
    // the whole heap resident from the start would cost RSS on a small machine
    expect(args).not.toContain('-XX:+AlwaysPreTouch');
    expect(opensearchJvmArgs({ dir: '/s/search', classpath, heap: '384m' }).some((a) => a.includes('SharedArchive') || a.includes('cds'))).toBe(false);
  });

  it('gives a container the same settings file, bound to every interface, and a small heap', () => {
    for (const layout of ['launcher', 'distribution'] as const) {
      const spec = searchSpec('img', layout, 2, { searchHeap: '256m' });
      const inContainer = settings(spec.files.find((f) => f.target.endsWith('/opensearch.yml'))!.content);
      expect(inContainer).toMatchObject({ ...yml, 'network.host': '0.0.0.0', 'http.port': '9200', 'path.data': '/usr/share/opensearch/data', 'path.logs': '/usr/share/opensearch/logs', 'transport.port': '9300' });
      if (layout === 'distribution') expect(spec.env).toMatchObject({ DISABLE_SECURITY_PLUGIN: 'true', OPENSEARCH_JAVA_OPTS: '-Xms256m -Xmx256m' });
      else expect(spec.command).toEqual(expect.arrayContaining(['-Xmx256m', 'Launcher', '/usr/share/opensearch']));
    }
  });
});
