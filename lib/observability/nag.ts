import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3 names each IAM5 finding after the flattened resource (`Resource::<Logical.Arn>/*`,
 * `Resource::arn:<AWS::Partition>:...`). Computing the same string from the resource we grant on
 * lets us acknowledge exactly that wildcard, never IAM5 as a whole.
 */
export function flattenReference(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value === 'string') {
    return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  }
  if (typeof value === 'object') {
    const node = value as Record<string, unknown>;
    const join = node['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, items] = join as [string, unknown[]];
      return items.map(flattenReference).join(delimiter);
    }
    if (node['Fn::Sub'] !== undefined) {
      return flattenReference(node['Fn::Sub']);
    }
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt)) {
      const [resource, attribute] = getAtt as [unknown, unknown];
      return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
    }
    if (node['Fn::ImportValue'] !== undefined) {
      return flattenReference(node['Fn::ImportValue']);
    }
    if (node.Ref !== undefined) {
      return `<${flattenReference(node.Ref)}>`;
    }
  }
  return JSON.stringify(value);
}

/** The IAM5 finding id cdk-nag reports for a wildcard `resource` granted under `scope`'s stack. */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(resource))}]`;
}

/** Acknowledge, on `scope` (a role or policy), exactly the wildcard resources listed, each with its reason. */
export function acknowledgeWildcardResources(scope: IConstruct, entries: readonly { readonly resource: string; readonly reason: string }[]): void {
  Validations.of(scope).acknowledge(...entries.map((entry) => ({ id: wildcardResourceFinding(scope, entry.resource), reason: entry.reason })));
}
