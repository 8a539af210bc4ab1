/**
 * Aurora engine versions this platform accepts, each with the end of its standard support.
 *
 * Sources (looked up 2026-12-02 through the docs corpus; re-check before changing a default):
 * - Aurora MySQL: "Long-term support (LTS) and beta releases for Amazon Aurora MySQL"
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Update.SpecialVersions.html):
 *   3.10.* is an LTS release (current LTS: 3.10.*, 3.04.*); a cluster on an LTS release can stay on it for at
 *   least three years, or until the end of standard support of the major version, whichever comes first.
 *   3.10.0 was released 2025-07-31 (Aurora MySQL release notes, document history), so 3.10.* is in standard
 *   support at least until 2028-07-31 unless Aurora MySQL version 3 itself ends earlier. The date below is
 *   that LTS lower bound; the major version's own end date was NOT confirmed here.
 * - Aurora PostgreSQL: the release calendars ("Aurora PostgreSQL release calendars" in the Aurora PostgreSQL
 *   release notes) were found but their tables could not be read here. The dates below are the major
 *   versions' end of standard support as published for PostgreSQL 16 (2029-02-28) and 17 (2030-02-28),
 *   NOT confirmed from the Aurora calendar; each minor version is deprecated earlier (typically about a year
 *   after the next minor ships: RDS deprecated 16.5-16.8 and 17.1-17.4 in 2026). So the list keeps only
 *   minors released from late 2025 on; check `aws rds describe-db-engine-versions` (README, "Engine versions").
 * Every version here is also a constant in aws-cdk-lib 2.276 (AuroraMysqlEngineVersion.VER_3_10_x,
 * AuroraPostgresEngineVersion.VER_16_x / VER_17_x); the templates use the plain string on the L1 resources.
 */
export interface EngineVersionInfo {
  readonly version: string;
  /** ISO date; see the sources above for how certain each one is. */
  readonly endOfStandardSupport: string;
}

const MYSQL_3_10_LTS = '2028-07-31';
const POSTGRES_16 = '2029-02-28';
const POSTGRES_17 = '2030-02-28';

export const CATALOG_ENGINE_VERSIONS: readonly EngineVersionInfo[] = ['3.10.0', '3.10.1', '3.10.2', '3.10.3', '3.10.4'].map((v) => ({
  version: `8.0.mysql_aurora.${v}`,
  endOfStandardSupport: MYSQL_3_10_LTS,
}));

export const ORDERS_ENGINE_VERSIONS: readonly EngineVersionInfo[] = [
  ...['16.10', '16.11', '16.13'].map((version) => ({ version, endOfStandardSupport: POSTGRES_16 })),
  ...['17.6', '17.7', '17.9'].map((version) => ({ version, endOfStandardSupport: POSTGRES_17 })),
];

/** Defaults: the newest patch of the MySQL 8.0-compatible LTS line, and PostgreSQL 16 (the major this platform was written and tested on; 17 is accepted). */
export const DEFAULT_CATALOG_ENGINE_VERSION = '8.0.mysql_aurora.3.10.4';
export const DEFAULT_ORDERS_ENGINE_VERSION = '16.13';

/** The cluster parameter group family a version needs (family follows the major version). */
export function parameterGroupFamily(engine: 'aurora-mysql' | 'aurora-postgresql', version: string): string {
  if (engine === 'aurora-mysql') {
    return 'aurora-mysql8.0';
  }
  return `aurora-postgresql${version.split('.')[0]}`;
}
