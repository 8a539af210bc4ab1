import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

export interface ValidationRecordsProps {
  readonly domainName: string;
  readonly hostedZoneId: string;
  /** Every Region of the configuration: each regional certificate covers `<region>.<domainName>`. */
  readonly regions: readonly string[];
}

/**
 * The one owner of the certificates' DNS validation records. ACM gives the same validation CNAME
 * for the same name in every Region of an account, and CloudFormation deletes the records a
 * certificate created when that certificate goes: with each Region validating its own records,
 * removing one Region's stack broke every other Region's renewals. So these certificates (one per
 * name, unused: ACM public certificates are free) create the records, and the regional certificates
 * validate against them without managing any (`CertificateValidation.fromDns()` with no zone).
 * One certificate per name, not one with every name: adding a Region adds one certificate and
 * replaces nothing, so no record another Region needs is ever deleted and recreated.
 */
export class ValidationRecords extends Construct {
  readonly certificates: readonly acm.Certificate[];

  constructor(scope: Construct, id: string, props: ValidationRecordsProps) {
    super(scope, id);
    const zone = route53.HostedZone.fromHostedZoneId(this, 'Zone', props.hostedZoneId);
    const names = [props.domainName, ...props.regions.map((region) => `${region}.${props.domainName}`)];
    this.certificates = names.map((name) => new acm.Certificate(this, `Owner-${name}`, {
      domainName: name,
      validation: acm.CertificateValidation.fromDns(zone),
    }));
  }
}
