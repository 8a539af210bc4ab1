import { App, Aws, Fn, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { KNOWN_REGIONS } from '../../../lib/config/regions';
import { CANARY_NAME_MAX_LENGTH, canaryName, regionCode } from '../../../lib/observability/names';
import { flattenReference, wildcardResourceFinding } from '../../../lib/observability/nag';

describe('canary names', () => {
  test('Region codes are short and tell every known Region apart', () => {
    const codes = Object.keys(KNOWN_REGIONS).map(regionCode);
    expect(new Set(codes).size).toBe(codes.length);
    expect(regionCode('us-east-1')).toBe('use1');
    expect(regionCode('ap-southeast-4')).toBe('apse4');
    expect(() => regionCode('moon-1')).toThrow('Unexpected Region name');
  });

  test('names fit Synthetics\' 21 characters, keep the target suffix and are valid', () => {
    for (const appName of ['retail', 'a-very-long-app-name']) {
      for (const region of Object.keys(KNOWN_REGIONS)) {
        const name = canaryName(appName, { kind: 'peer', region });
        expect(name.length).toBeLessThanOrEqual(CANARY_NAME_MAX_LENGTH);
        expect(name).toMatch(/^[0-9a-z_-]+$/);
        expect(name.endsWith(`-to-${regionCode(region)}`)).toBe(true);
      }
    }
    expect(canaryName('retail', { kind: 'local' })).toBe('retail-local');
    expect(canaryName('retail', { kind: 'global' })).toBe('retail-global');
    expect(canaryName('retail', { kind: 'orders' })).toBe('retail-orders');
    expect(canaryName('a-very-long-app-name', { kind: 'orders' })).toBe('a-very-long-ap-orders');
  });
});

describe('cdk-nag finding ids', () => {
  test('flattened the way cdk-nag flattens references', () => {
    expect(flattenReference({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':x/', { 'Fn::GetAtt': ['B', 'Arn'] }, '/*']] })).toBe('arn:<AWS::Partition>:x/<B.Arn>/*');
    expect(flattenReference({ 'Fn::Sub': 'a-${X}' })).toBe('a-<X>');
    expect(flattenReference({ 'Fn::ImportValue': 'exported' })).toBe('exported');
  });

  test('for tokens of the stack', () => {
    const stack = new Stack(new App(), 'S');
    const bucket = new s3.Bucket(stack, 'Bucket');
    expect(wildcardResourceFinding(stack, bucket.arnForObjects('p/*'))).toMatch(/^AwsSolutions-IAM5\[Resource::<Bucket[0-9A-F]{8}\.Arn>\/p\/\*\]$/);
    expect(wildcardResourceFinding(stack, `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/x-*`)).toBe('AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/x-*]');
    expect(wildcardResourceFinding(stack, Fn.join('/', ['a', '*']))).toBe('AwsSolutions-IAM5[Resource::a/*]');
  });
});
