import type { AuroraEngine, DatabaseName } from '../topology/topology';

/**
 * Engine settings of the two global databases. Versions are pinned: every member of a global
 * database must run the same major and minor version, and the global writer endpoint needs a
 * recent one. Catalog stays on the MySQL 8.0-compatible line (the catalog image has been seen
 * failing to authenticate on MySQL 8.4).
 */
export interface EngineSpec {
  readonly name: DatabaseName;
  readonly engine: AuroraEngine;
  readonly engineVersion: string;
  readonly parameterGroupFamily: string;
  /** Non-default port (AwsSolutions-RDS11); services get host:port from the endpoint parameter. */
  readonly port: number;
  readonly databaseName: string;
  readonly masterUsername: string;
  /** The `engine` value rotation functions and the reconcile runbook read from the secret. */
  readonly secretEngine: 'mysql' | 'postgres';
  readonly logExports: readonly string[];
  readonly clusterParameters: Readonly<Record<string, string>>;
  /**
   * Cluster parameters that write forwarding needs, set only on members that forward. Empty for
   * an engine whose service never forwards: Aurora MySQL forwards nothing while
   * `aurora_replica_read_consistency` is empty, which is what catalog relies on.
   */
  readonly writeForwardingParameters: Readonly<Record<string, string>>;
}

export const CATALOG_ENGINE: EngineSpec = {
  name: 'catalog',
  engine: 'aurora-mysql',
  engineVersion: '8.0.mysql_aurora.3.08.2',
  parameterGroupFamily: 'aurora-mysql8.0',
  port: 3307,
  databaseName: 'catalog',
  masterUsername: 'catalog_admin',
  secretEngine: 'mysql',
  logExports: ['audit', 'error', 'general', 'slowquery'],
  clusterParameters: {
    server_audit_logging: '1',
    server_audit_events: 'CONNECT,QUERY_DCL,QUERY_DDL',
    slow_query_log: '1',
    long_query_time: '2',
  },
  writeForwardingParameters: {},
};

export const ORDERS_ENGINE: EngineSpec = {
  name: 'orders',
  engine: 'aurora-postgresql',
  engineVersion: '16.6',
  parameterGroupFamily: 'aurora-postgresql16',
  port: 5433,
  databaseName: 'orders',
  masterUsername: 'orders_admin',
  secretEngine: 'postgres',
  logExports: ['postgresql'],
  clusterParameters: {
    log_min_duration_statement: '2000',
  },
  writeForwardingParameters: {
    // A cluster parameter (the orders image sets nothing per session): every forwarded statement's
    // results are visible to the session's later reads (the order it just placed), not to others'.
    'apg_write_forward.consistency_mode': 'SESSION',
  },
};

/**
 * The cluster parameters that decide whether plaintext connections are refused.
 * - orders (PostgreSQL): always `rds.force_ssl`; the orders image's JDBC driver negotiates TLS
 *   (sslmode=prefer).
 * - catalog (MySQL): `require_secure_transport` only when `requireCatalogTls`: the catalog image
 *   (src/catalog/repository/repository.go, v1.6.2) opens `user:pass@tcp(host)/db?timeout=..&charset=..`
 *   with go-sql-driver/mysql 1.8.1, whose `tls` DSN parameter defaults to false, so it never
 *   negotiates TLS and would be refused. Cross-Region traffic runs over VPC peering, which AWS
 *   encrypts between Regions.
 */
export function tlsParameters(spec: EngineSpec, requireCatalogTls: boolean): Record<string, string> {
  return spec.engine === 'aurora-postgresql'
    ? { 'rds.force_ssl': '1' }
    : { require_secure_transport: requireCatalogTls ? 'ON' : 'OFF' };
}

export const ENGINES: readonly EngineSpec[] = [CATALOG_ENGINE, ORDERS_ENGINE];

/** Deterministic names: the runbooks need them in every Region without asking a control plane. */
export function globalClusterIdentifier(appName: string, database: DatabaseName): string {
  return `${appName}-${database}`;
}

export function memberClusterIdentifier(appName: string, database: DatabaseName, region: string): string {
  return `${appName}-${database}-${region}`;
}

export function cartsTableName(appName: string): string {
  return `${appName}-carts`;
}
