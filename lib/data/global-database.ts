import { ArnFormat, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeCustomResourceProviderRole } from '../common/custom-resources';
import { globalClusterIdentifier, type EngineSpec } from './engines';

export interface GlobalDatabaseProps {
  readonly appName: string;
  readonly spec: EngineSpec;
  /** Every Region other than the one this construct is deployed in. */
  readonly replicaRegions: readonly string[];
  /**
   * The data key of a Region (this one or a replica's), named by alias: each Region's copy of the
   * secret is encrypted with that Region's own key, so losing one Region's key loses one copy.
   */
  readonly dataKeyIn: (region: string) => kms.IKey;
}

/**
 * One Aurora global database's global part, in the primary Region: the global cluster (members
 * join it from their regional stacks) and the master credentials, generated in Secrets Manager
 * and replicated to every other Region so that each Region's tasks read a local copy.
 * The secret's `host` is the global writer endpoint, which follows the writer across failovers.
 */
export class GlobalDatabase extends Construct {
  readonly globalCluster: rds.CfnGlobalCluster;
  readonly identifier: string;
  readonly secret: secretsmanager.Secret;
  /** The global writer endpoint's host name. */
  readonly writerEndpointAddress: string;
  private readonly replicaArnParameters = new Map<string, ssm.StringParameter>();

  constructor(scope: Construct, id: string, props: GlobalDatabaseProps) {
    super(scope, id);
    const { spec } = props;
    this.identifier = globalClusterIdentifier(props.appName, spec.name);

    this.globalCluster = new rds.CfnGlobalCluster(this, 'GlobalCluster', {
      globalClusterIdentifier: this.identifier,
      engine: spec.engine,
      engineVersion: spec.engineVersion,
      storageEncrypted: true,
      // DeletionProtection is left out on purpose, never `false`: the stack's DeletionProtection
      // custom resource turns it on once the stack exists. On an update the RDS handler sends it
      // only when the template sets it, so leaving it out keeps protection on.
    });
    this.globalCluster.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);

    // The global writer endpoint is a nested attribute CloudFormation does not expose by GetAtt;
    // read it once at deploy time (a read-only call in this Region).
    const describe = new cr.AwsCustomResource(this, 'WriterEndpoint', {
      onUpdate: {
        service: 'RDS',
        action: 'DescribeGlobalClusters',
        parameters: { GlobalClusterIdentifier: this.identifier },
        physicalResourceId: cr.PhysicalResourceId.of(`${this.identifier}-writer-endpoint`),
        outputPaths: ['GlobalClusters.0.Endpoint'],
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['rds:DescribeGlobalClusters'],
          resources: [Stack.of(this).formatArn({ service: 'rds', region: '', resource: 'global-cluster', resourceName: this.identifier, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
        }),
      ]),
      installLatestAwsSdk: false,
    });
    describe.node.addDependency(this.globalCluster);
    acknowledgeCustomResourceProviderRole(this);
    this.writerEndpointAddress = describe.getResponseField('GlobalClusters.0.Endpoint');

    this.secret = new secretsmanager.Secret(this, 'MasterSecret', {
      description: `Master credentials of the ${spec.name} global database (rotated in the primary Region, replicated everywhere)`,
      generateSecretString: {
        secretStringTemplate: Stack.of(this).toJsonString({
          engine: spec.secretEngine,
          host: this.writerEndpointAddress,
          port: spec.port,
          username: spec.masterUsername,
          dbname: spec.databaseName,
        }),
        generateStringKey: 'password',
        // Aurora forbids / " @ and spaces; quotes and backslashes are avoided for SQL and shells.
        excludeCharacters: '/"@ \'\\`',
        passwordLength: 32,
      },
      encryptionKey: props.dataKeyIn(Stack.of(this).region),
      replicaRegions: props.replicaRegions.map((region) => ({ region, encryptionKey: props.dataKeyIn(region) })),
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Rotated by the rotation schedule of the primary Region\'s regional stack (MasterSecretRotation), whose function runs in the VPC that reaches the writer; cdk-nag only looks for a schedule in this stack.',
    });

    for (const region of props.replicaRegions) {
      // Materialise the replica's ARN here (same name and suffix, other Region) so that the
      // Region's stack receives a plain value through a cross-Region reference.
      const arnParts = Fn.split(':', this.secret.secretArn);
      const replicaArn = Fn.join(':', [
        Fn.select(0, arnParts), Fn.select(1, arnParts), Fn.select(2, arnParts), region,
        Fn.select(4, arnParts), Fn.select(5, arnParts), Fn.select(6, arnParts),
      ]);
      this.replicaArnParameters.set(region, new ssm.StringParameter(this, `ReplicaArn-${region}`, {
        description: `ARN of the ${spec.name} master secret's replica in ${region}`,
        stringValue: replicaArn,
      }));
    }
  }

  /** The master secret's ARN in `region` (the primary or a replica). */
  secretArnIn(region: string): string {
    if (region === Stack.of(this).region) {
      return this.secret.secretArn;
    }
    const parameter = this.replicaArnParameters.get(region);
    if (parameter === undefined) {
      throw new Error(`The ${this.node.id} secret has no replica in ${region}`);
    }
    return parameter.stringValue;
  }
}
