import { Fn, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as amazonmq from 'aws-cdk-lib/aws-amazonmq';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { BrokerBinding } from '../services/bindings';

export interface OrderEventsBrokerProps {
  readonly appName: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly instanceType: string;
  readonly deploymentMode: 'SINGLE_INSTANCE' | 'CLUSTER_MULTI_AZ';
  readonly engineVersion: string;
  /** The Region's data key: encrypts the broker user's secret. */
  readonly key: kms.IKey;
}

/** Amazon MQ for RabbitMQ accepts only AMQP over TLS. */
export const AMQPS_PORT = 5671;

/**
 * The Region's Amazon MQ for RabbitMQ broker for order events. There is no managed cross-Region
 * replication for RabbitMQ, so each Region has its own broker; in-flight events of a failed
 * Region are not carried over (orders are in the database, which is what the report reconciles).
 */
export class OrderEventsBroker extends Construct implements BrokerBinding {
  readonly broker: amazonmq.CfnBroker;
  readonly securityGroup: ec2.SecurityGroup;
  readonly credentials: secretsmanager.Secret;
  readonly addressesParameter: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: OrderEventsBrokerProps) {
    super(scope, id);

    this.credentials = new secretsmanager.Secret(this, 'Credentials', {
      description: 'RabbitMQ user of the orders service',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: 'orders' }),
        generateStringKey: 'password',
        // Amazon MQ rejects commas, colons and equals signs; quotes and slashes are avoided for URLs and shells.
        excludeCharacters: ',:=\'"\\/@`%&+#?;[]{}<>|',
        includeSpace: false,
        passwordLength: 32,
      },
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.credentials).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Amazon MQ for RabbitMQ has no Secrets Manager rotation integration: the password changes through the RabbitMQ management API, then this secret and the orders service follow (procedure in the README).',
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Order events broker: AMQPS only from the orders service',
      allowAllOutbound: false,
    });

    const subnetIds = props.vpc.selectSubnets(props.subnets).subnetIds;
    this.broker = new amazonmq.CfnBroker(this, 'Broker', {
      brokerName: `${props.appName}-order-events`,
      engineType: 'RABBITMQ',
      engineVersion: props.engineVersion,
      hostInstanceType: props.instanceType,
      deploymentMode: props.deploymentMode,
      publiclyAccessible: false,
      subnetIds: props.deploymentMode === 'SINGLE_INSTANCE' ? subnetIds.slice(0, 1) : subnetIds,
      securityGroups: [this.securityGroup.securityGroupId],
      autoMinorVersionUpgrade: true,
      logs: { general: true },
      encryptionOptions: { useAwsOwnedKey: true },
      maintenanceWindowStartTime: { dayOfWeek: 'SUNDAY', timeOfDay: '03:00', timeZone: 'UTC' },
      users: [
        {
          username: this.credentials.secretValueFromJson('username').unsafeUnwrap(),
          password: this.credentials.secretValueFromJson('password').unsafeUnwrap(),
        },
      ],
    });
    this.broker.applyRemovalPolicy(RemovalPolicy.RETAIN);

    // The AMQPS endpoint exactly as the broker reports it (amqps://<id>.mq.<region>.on.aws:5671).
    this.addressesParameter = new ssm.StringParameter(this, 'Addresses', {
      description: 'AMQPS address of the order events broker',
      stringValue: Fn.select(0, this.broker.attrAmqpEndpoints),
    });
  }

  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.securityGroup.connections.allowFrom(peer, ec2.Port.tcp(AMQPS_PORT), `AMQPS from the ${description}`);
  }
}
