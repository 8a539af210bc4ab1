import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface LoadBalancerProps {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly region: string;
  /**
   * Deletion protection wanted. The load balancer is created without it either way (a rolled-back
   * first create must be able to delete it); when wanted, the template leaves the attribute out
   * and the stack's DeletionProtection turns it on once the stack exists (`protectOnceCreated`).
   */
  readonly deletionProtection: boolean;
  readonly accessLogRetentionDays: number;
  /** With a domain, the listener is HTTPS with an ACM certificate and HTTP only redirects. */
  readonly domain?: { readonly domainName: string; readonly hostedZoneId: string };
}

/**
 * The Region's public entry point. Without a domain there is no certificate to present, so the
 * listener is plain HTTP (for evaluation only; the README says so). With a domain, the
 * certificate covers the application name and the Region's own name (`<region>.<domain>`), so
 * canaries and operators can reach one Region directly over HTTPS.
 */
export class LoadBalancer extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
  readonly listener: elbv2.ApplicationListener;
  readonly accessLogBucket: s3.Bucket;
  readonly protocol: 'http' | 'https';
  /** The name clients use to reach this Region directly (the ALB's DNS name without a domain). */
  readonly regionalHostName: string;
  /** Deletion protection is to be turned on by the stack's DeletionProtection (lib/data/protection). */
  readonly protectOnceCreated: boolean;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);

    // The Region's one access-log bucket: the load balancer's access logs (prefix alb/) and the
    // S3 server access logs of the Region's other buckets (prefix s3/<bucket>/). Both kinds of
    // delivery need SSE-S3 on the destination: the one bucket without a customer-managed key.
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      lifecycleRules: [
        {
          expiration: Duration.days(props.accessLogRetentionDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the destination of the Region\'s access logs (load balancer and S3 server access logs); logging its own accesses to itself would recurse.',
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Public load balancer of the retail store',
      allowAllOutbound: false,
    });

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      internetFacing: true,
      securityGroup: this.securityGroup,
      deletionProtection: false,
      dropInvalidHeaderFields: true,
      http2Enabled: true,
      idleTimeout: Duration.seconds(60),
    });
    this.protectOnceCreated = props.deletionProtection;
    if (props.deletionProtection) {
      // Absent, not "false": CloudFormation leaves an attribute the template does not name as it
      // is on every update (an attribute removed from the template is not reset either:
      // cloudformation-coverage-roadmap#554, aws-cdk#9975), so an update never turns the
      // protection set by the custom resource off. Whether the handler re-sends an unchanged
      // "false" on an unrelated update is not documented; absent avoids the question.
      this.loadBalancer.removeAttribute('deletion_protection.enabled');
    }
    this.loadBalancer.logAccessLogs(this.accessLogBucket, 'alb');

    if (props.domain !== undefined) {
      const regionalName = `${props.region}.${props.domain.domainName}`;
      // No zone: the validation records are owned by the traffic-control stack (lib/ingress/validation-records.ts),
      // so deleting this Region's stack never deletes a record another Region's certificate renews with.
      const certificate = new acm.Certificate(this, 'Certificate', {
        domainName: props.domain.domainName,
        subjectAlternativeNames: [regionalName],
        validation: acm.CertificateValidation.fromDns(),
      });
      this.protocol = 'https';
      this.regionalHostName = regionalName;
      this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from the internet');
      this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP from the internet (redirected to HTTPS)');
      this.listener = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [certificate],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
      });
      this.loadBalancer.addRedirect({
        sourcePort: 80,
        sourceProtocol: elbv2.ApplicationProtocol.HTTP,
        targetPort: 443,
        targetProtocol: elbv2.ApplicationProtocol.HTTPS,
      });
    } else {
      this.protocol = 'http';
      this.regionalHostName = this.loadBalancer.loadBalancerDnsName;
      this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP from the internet (no domain configured)');
      this.listener = this.loadBalancer.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        open: false,
      });
    }
    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The internet-facing load balancer is the store front: customers reach it from any address, on 80/443 only.',
    });
  }
}
