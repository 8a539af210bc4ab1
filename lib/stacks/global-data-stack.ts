import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config/types';
import { CartsTable } from '../data/carts-table';
import { cartsTableName, configuredEngines } from '../data/engines';
import { GlobalDatabase } from '../data/global-database';
import { DeletionProtection } from '../data/protection/deletion-protection';
import { DATA_KEY_PURPOSE, RegionalKey, regionalKeyAliasArn } from '../encryption/regional-key';

export interface GlobalDataStackProps extends StackProps {
  readonly config: PlatformConfig;
}

/**
 * The global data, created in the primary Region: both Aurora global clusters with their
 * replicated master secrets, and the carts global table with a replica in every Region.
 * Regions' stacks join members to these; nothing here depends on a regional stack.
 */
export class GlobalDataStack extends Stack {
  readonly catalog: GlobalDatabase;
  readonly orders: GlobalDatabase;
  readonly carts: CartsTable;
  /** Encrypts this stack's function logs (the CDK's own providers' too, see platform.ts). */
  readonly logsKey: kms.IKey;
  readonly deletionProtection: DeletionProtection;

  constructor(scope: Construct, id: string, props: GlobalDataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const replicaRegions = config.regions.map((plan) => plan.region).filter((region) => region !== config.primaryRegion);

    // Each Region's data key by alias: no cross-Region reference, but the network stacks (which
    // own the keys) deploy first (see platform.ts).
    const dataKeys = new Map<string, kms.IKey>();
    const dataKeyIn = (region: string): kms.IKey => {
      let key = dataKeys.get(region);
      if (key === undefined) {
        key = kms.Key.fromKeyArn(this, `DataKey-${region}`, regionalKeyAliasArn(this, config.appName, DATA_KEY_PURPOSE, region));
        dataKeys.set(region, key);
      }
      return key;
    };
    const engines = configuredEngines(config.database);
    this.catalog = new GlobalDatabase(this, 'Catalog', { appName: config.appName, spec: engines.catalog, replicaRegions, dataKeyIn });
    this.orders = new GlobalDatabase(this, 'Orders', { appName: config.appName, spec: engines.orders, replicaRegions, dataKeyIn });
    this.carts = new CartsTable(this, 'Carts', {
      tableName: cartsTableName(config.appName),
      replicaRegions,
      consistency: config.cartsConsistency,
      ...(config.cartsWitnessRegion !== undefined ? { witnessRegion: config.cartsWitnessRegion } : {}),
    });

    // Same id as the key platform.ts used to create on demand for the CDK's functions: same resource.
    this.logsKey = new RegionalKey(this, 'CdkFunctionLogsKey', { appName: config.appName, purpose: 'global-data-logs', allowCloudWatchLogs: true }).key;
    this.deletionProtection = new DeletionProtection(this, 'DeletionProtection', {
      globalClusters: [this.catalog, this.orders].map((database) => ({ identifier: database.identifier, resource: database.globalCluster })),
      tables: [{ identifier: cartsTableName(config.appName), resource: this.carts.table, regions: [config.primaryRegion, ...replicaRegions] }],
      logKey: this.logsKey,
      logRetentionDays: config.logRetentionDays,
    });

    new CfnOutput(this, 'CatalogGlobalClusterIdentifier', { value: this.catalog.identifier });
    new CfnOutput(this, 'OrdersGlobalClusterIdentifier', { value: this.orders.identifier });
    new CfnOutput(this, 'CatalogWriterEndpoint', { value: this.catalog.writerEndpointAddress });
    new CfnOutput(this, 'OrdersWriterEndpoint', { value: this.orders.writerEndpointAddress });
    new CfnOutput(this, 'CartsTableName', { value: this.carts.table.tableName });
  }
}
