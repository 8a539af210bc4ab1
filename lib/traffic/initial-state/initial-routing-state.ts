import * as path from 'path';
import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { functionLogsAndRole, platformFunction } from '../../common/node-function';
import type { ArcClusterEndpoint } from '../../topology/topology';
import type { InitialStateProperties } from './runtime/initial-state';

export interface InitialRoutingStateProps {
  readonly routingControlArn: string;
  readonly desiredState: 'On' | 'Off';
  /** The cluster's endpoints (created here or brought along): the data plane, never the config API. */
  readonly clusterEndpoints: readonly ArcClusterEndpoint[];
  readonly logKey: kms.IKey;
  readonly logRetentionDays: number;
}

/**
 * Sets a Region's routing control once, when the Region's stack is created (ARC creates controls
 * Off, and with every control Off Route 53 fails open and ignores ARC). The function uses the ARC
 * cluster data plane with the runbooks' endpoint rotation and deadlines. Updates and deletes of
 * the stack leave routing alone: after a failover, a deploy must not switch traffic back.
 * Declare the dependencies (records, services) on `resource`.
 */
export class InitialRoutingState extends Construct {
  readonly resource: CustomResource;
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: InitialRoutingStateProps) {
    super(scope, id);
    const { logGroup, role } = functionLogsAndRole(this, {
      logKey: props.logKey,
      logRetentionDays: props.logRetentionDays,
      roleDescription: 'Sets the Region\'s routing control once, at stack creation',
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'SetAndReadThisRegionsControl',
      actions: ['route53-recovery-cluster:UpdateRoutingControlStates', 'route53-recovery-cluster:GetRoutingControlState'],
      resources: [props.routingControlArn],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }));

    this.function = platformFunction(this, 'Function', {
      description: 'Initial routing control state at stack creation (ARC data plane, endpoint rotation)',
      entry: path.join(__dirname, 'runtime', 'index.ts'),
      // Five endpoints at most 6 s each, twice (set, read back), and the response.
      timeout: Duration.seconds(90),
      role,
      logGroup,
    });
    this.function.node.addDependency(role);

    const properties: InitialStateProperties = {
      RoutingControlArn: props.routingControlArn,
      DesiredState: props.desiredState,
      ClusterEndpoints: Stack.of(this).toJsonString(props.clusterEndpoints),
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::InitialRoutingState',
      properties: { ...properties },
    });
  }
}
