import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { platformTemplates } from '../../helpers/assemblies';
import {
  CATALOG_ENGINE_VERSIONS,
  DEFAULT_CATALOG_ENGINE_VERSION,
  DEFAULT_ORDERS_ENGINE_VERSION,
  ORDERS_ENGINE_VERSIONS,
} from '../../../lib/config/engine-versions';
import { ConfigError, resolveConfig } from '../../../lib/config/resolve';
import { configuredEngines } from '../../../lib/data/engines';

function problemsOf(input: unknown): ConfigError['problems'] {
  try {
    resolveConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('engine versions', () => {
  test('defaults are listed and in standard support through 2026-12', () => {
    for (const [list, version] of [[CATALOG_ENGINE_VERSIONS, DEFAULT_CATALOG_ENGINE_VERSION], [ORDERS_ENGINE_VERSIONS, DEFAULT_ORDERS_ENGINE_VERSION]] as const) {
      const entry = list.find((v) => v.version === version);
      expect(entry).toBeDefined();
      expect(entry!.endOfStandardSupport > '2026-12-31').toBe(true);
    }
    const config = resolveConfig({});
    expect(config.database.catalogEngineVersion).toBe(DEFAULT_CATALOG_ENGINE_VERSION);
    expect(config.database.ordersEngineVersion).toBe(DEFAULT_ORDERS_ENGINE_VERSION);
  });

  test('an unlisted version: one problem per database naming the setting, the value and the allowed list', () => {
    const problems = problemsOf({ database: { catalogEngineVersion: '8.0.mysql_aurora.3.08.2', ordersEngineVersion: '16.6' } });
    expect(problems.map((p) => [p.key, p.value])).toEqual([
      ['database.catalogEngineVersion', '8.0.mysql_aurora.3.08.2'],
      ['database.ordersEngineVersion', '16.6'],
    ]);
    expect(problems[0]!.allowed).toContain('"8.0.mysql_aurora.3.10.4" (standard support until 2028-07-31)');
    expect(problems[1]!.allowed).toContain('"17.7" (standard support until');
  });

  test('the parameter group family follows the configured major version', () => {
    const engines = configuredEngines({ catalogEngineVersion: '8.0.mysql_aurora.3.10.3', ordersEngineVersion: '17.7' });
    expect(engines.catalog).toMatchObject({ engineVersion: '8.0.mysql_aurora.3.10.3', parameterGroupFamily: 'aurora-mysql8.0' });
    expect(engines.orders).toMatchObject({ engineVersion: '17.7', parameterGroupFamily: 'aurora-postgresql17' });
  });

  test('configured versions reach the global clusters, every member and its parameter group (examples/active-active.json)', () => {
    const input = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'active-active.json'), 'utf8')) as Record<string, unknown>;
    const platform = platformTemplates(input);
    platform.globalData.hasResourceProperties('AWS::RDS::GlobalCluster', { GlobalClusterIdentifier: 'retail-orders', EngineVersion: '17.7' });
    platform.globalData.hasResourceProperties('AWS::RDS::GlobalCluster', { GlobalClusterIdentifier: 'retail-catalog', EngineVersion: '8.0.mysql_aurora.3.10.3' });
    for (const regional of platform.regional) {
      regional.hasResourceProperties('AWS::RDS::DBCluster', { DBClusterIdentifier: Match.stringLikeRegexp('^retail-orders-'), EngineVersion: '17.7' });
      regional.hasResourceProperties('AWS::RDS::DBCluster', { DBClusterIdentifier: Match.stringLikeRegexp('^retail-catalog-'), EngineVersion: '8.0.mysql_aurora.3.10.3' });
      regional.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Family: 'aurora-postgresql17' });
      expect(regional.findResources('AWS::RDS::DBClusterParameterGroup', { Properties: { Family: 'aurora-postgresql16' } })).toEqual({});
    }
  });
});
