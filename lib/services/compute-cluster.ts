import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';

export interface ComputeClusterProps {
  readonly appName: string;
  readonly vpc: ec2.IVpc;
}

const PUBLIC_ECR = 'public.ecr.aws/';

export interface ServiceImage {
  readonly image: ecs.ContainerImage;
  /** Extra permissions the task execution role needs to pull it. */
  readonly grantPull?: (role: iam.IRole) => void;
}

/**
 * The ECS cluster, its Service Connect namespace, and an ECR pull-through cache for Amazon ECR
 * Public: tasks pull the public images through the Region's private registry (and its VPC
 * endpoints), so starting tasks in the standby Region depends neither on NAT nor on the internet.
 */
export class ComputeCluster extends Construct {
  readonly cluster: ecs.Cluster;
  readonly namespace: servicediscovery.INamespace;
  /** Services that pull through the cache start after it exists (the first pull creates the repository). */
  readonly pullThroughCacheRule: ecr.CfnPullThroughCacheRule;
  private readonly cachePrefix: string;

  constructor(scope: Construct, id: string, props: ComputeClusterProps) {
    super(scope, id);
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENHANCED,
    });
    this.namespace = this.cluster.addDefaultCloudMapNamespace({
      name: `${props.appName}.internal`,
      type: servicediscovery.NamespaceType.HTTP,
      useForServiceConnect: true,
    });
    this.cachePrefix = `${props.appName}-public`;
    this.pullThroughCacheRule = new ecr.CfnPullThroughCacheRule(this, 'EcrPublicCache', {
      ecrRepositoryPrefix: this.cachePrefix,
      upstreamRegistryUrl: 'public.ecr.aws',
    });
  }

  /**
   * The image to run for `repository:tag`: Amazon ECR Public images go through the pull-through
   * cache (and the execution role may create and fill only the cached repository); any other
   * registry is used as given.
   */
  image(scope: Construct, repository: string, tag: string): ServiceImage {
    if (!repository.startsWith(PUBLIC_ECR)) {
      return { image: ecs.ContainerImage.fromRegistry(`${repository}:${tag}`) };
    }
    const cachedName = `${this.cachePrefix}/${repository.slice(PUBLIC_ECR.length)}`;
    const cached = ecr.Repository.fromRepositoryName(scope, 'CachedImageRepository', cachedName);
    return {
      image: ecs.ContainerImage.fromEcrRepository(cached, tag),
      grantPull: (role) => {
        // First pull in a Region creates the cached repository and imports the image.
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
            resources: [Stack.of(this).formatArn({ service: 'ecr', resource: 'repository', resourceName: cachedName })],
          }),
        );
      },
    };
  }
}
