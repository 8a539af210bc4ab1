import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ServiceName, ServiceSizing } from '../config/types';
import type { ComputeCluster } from './compute-cluster';
import { applicationMemoryLimitMiB, IMAGE_USER, mountScratchVolumes, WRITABLE_PATHS } from './container-hardening';

/** Every retail-store-sample service listens here. */
export const CONTAINER_PORT = 8080;
/** Service Connect clients call `http://<name>` on port 80 (so URLs carry no port). */
export const SERVICE_CONNECT_PORT = 80;

export interface RetailServiceProps {
  readonly name: ServiceName;
  readonly compute: ComputeCluster;
  readonly subnets: ec2.SubnetSelection;
  readonly repository: string;
  readonly tag: string;
  readonly sizing: ServiceSizing;
  readonly healthPath: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, ecs.Secret>>;
  /** Publish the service in the Service Connect namespace (backends) or only call others (ui). */
  readonly serveThroughServiceConnect: boolean;
  readonly logKey: kms.IKey;
  readonly logRetentionDays: number;
  /** 100 keeps full capacity during deployments (prod); lower lets dev deploy with fewer tasks. */
  readonly minHealthyPercent: number;
}

/**
 * One Fargate service of the retail store: its task definition, roles, log group, security group,
 * health check, rolling deployment with circuit-breaker rollback and CPU target tracking.
 * The task role starts empty: the composing construct grants exactly what the service uses.
 */
export class RetailService extends Construct {
  readonly service: ecs.FargateService;
  readonly taskRole: iam.Role;
  readonly executionRole: iam.Role;
  readonly securityGroup: ec2.SecurityGroup;
  readonly logGroup: logs.LogGroup;
  readonly container: ecs.ContainerDefinition;
  /** The task count's scalable target (lib/capacity adds scheduled minimums for peak events). */
  readonly scaling: ecs.ScalableTaskCount;

  constructor(scope: Construct, id: string, props: RetailServiceProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Task role of the ${props.name} service`,
    });
    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `Execution role of the ${props.name} service (image pull, logs, its own secrets)`,
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.sizing.cpu,
      memoryLimitMiB: props.sizing.memoryMiB,
      taskRole: this.taskRole,
      executionRole: this.executionRole,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });

    const image = props.compute.image(this, props.repository, props.tag);
    const logging = ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: props.name });
    this.container = taskDefinition.addContainer('app', {
      image: image.image,
      essential: true,
      user: IMAGE_USER,
      readonlyRootFilesystem: true,
      memoryLimitMiB: applicationMemoryLimitMiB(props.sizing.memoryMiB),
      environment: { ...props.environment },
      secrets: { ...props.secrets },
      portMappings: [{ name: 'http', containerPort: CONTAINER_PORT, protocol: ecs.Protocol.TCP, appProtocol: ecs.AppProtocol.http }],
      logging,
      healthCheck: {
        command: ['CMD-SHELL', `curl -fs http://localhost:${CONTAINER_PORT}${props.healthPath} || exit 1`],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        // The JVM services take a while to start.
        startPeriod: Duration.seconds(90),
      },
    });
    mountScratchVolumes(taskDefinition, this.container, WRITABLE_PATHS[props.name], image.image, logging);
    image.grantPull?.(this.executionRole);
    Validations.of(this.executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions; every other statement of this role names its repository, log group, parameters and secrets.',
    });
    Validations.of(taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The environment holds only non-secret settings (provider names, service URLs, database names); credentials and endpoints come through ECS secrets.',
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.compute.cluster.vpc,
      description: `Tasks of the ${props.name} service`,
      allowAllOutbound: true,
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.compute.cluster,
      taskDefinition,
      desiredCount: props.sizing.desiredCount,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
      assignPublicIp: false,
      minHealthyPercent: props.minHealthyPercent,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      healthCheckGracePeriod: props.serveThroughServiceConnect ? undefined : Duration.seconds(120),
      serviceConnectConfiguration: {
        namespace: props.compute.namespace.namespaceName,
        services: props.serveThroughServiceConnect
          ? [{ portMappingName: 'http', dnsName: props.name, discoveryName: props.name, port: SERVICE_CONNECT_PORT }]
          : [],
        logDriver: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: `${props.name}-service-connect` }),
      },
    });
    this.service.node.addDependency(props.compute.namespace);

    const scaling = (this.scaling = this.service.autoScaleTaskCount({
      minCapacity: props.sizing.minCount,
      maxCapacity: props.sizing.maxCount,
    }));
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: props.sizing.cpuTargetPercent,
      scaleInCooldown: Duration.seconds(300),
      scaleOutCooldown: Duration.seconds(60),
    });
  }

  /** Admit calls from another service's tasks on the container port. */
  allowCallsFrom(caller: RetailService): void {
    this.securityGroup.addIngressRule(caller.securityGroup, ec2.Port.tcp(CONTAINER_PORT), `${caller.node.id} calls ${this.node.id}`);
  }
}
