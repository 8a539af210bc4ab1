/**
 * Checks `aws:executeAwsApi` / `aws:waitForAwsResourceProperty` steps against the API
 * models the installed AWS SDK v3 clients carry: each client exports, per operation,
 * `<Api>Command` and a schema `<Api>$` = [9, namespace, name, traits, () => input, () => output],
 * where a structure is [3, namespace, name, traits, memberNames, memberSchemas, requiredCount?]
 * and a list is [1, namespace, name, traits, memberSchema].
 *
 * ECS: @aws-sdk/client-ecs is not installed in this project, so its two operations are
 * written below in the same form, from the ECS API reference (RunTask, StopTask, DescribeTasks).
 */
import * as rds from '@aws-sdk/client-rds';
import * as sns from '@aws-sdk/client-sns';

type Module = Readonly<Record<string, unknown>>;

const SDK: Readonly<Record<string, Module>> = { rds, sns };

/** The ECS members the document uses, in the SDK's schema form (0 = a scalar). */
const ecsKeyValue = [3, 'ecs', 'KeyValuePair', 0, ['name', 'value'], [0, 0]];
const ecsContainerOverride = [3, 'ecs', 'ContainerOverride', 0, ['name', 'command', 'environment', 'environmentFiles', 'cpu', 'memory', 'memoryReservation', 'resourceRequirements'], [0, 0, [1, 'ecs', 'EnvironmentVariables', 0, ecsKeyValue], 0, 0, 0, 0, 0]];
const ecsAwsVpc = [3, 'ecs', 'AwsVpcConfiguration', 0, ['subnets', 'securityGroups', 'assignPublicIp'], [[1, 'ecs', 'StringList', 0, 0], [1, 'ecs', 'StringList', 0, 0], 0], 1];
const ecsContainer = [3, 'ecs', 'Container', 0, ['containerArn', 'taskArn', 'name', 'image', 'lastStatus', 'exitCode', 'reason'], [0, 0, 0, 0, 0, 1, 0]];
const ecsTask = [3, 'ecs', 'Task', 0, ['taskArn', 'clusterArn', 'taskDefinitionArn', 'lastStatus', 'desiredStatus', 'stopCode', 'stoppedReason', 'containers', 'startedBy'], [0, 0, 0, 0, 0, 0, 0, [1, 'ecs', 'Containers', 0, ecsContainer], 0]];
const ecsTasks = [1, 'ecs', 'Tasks', 0, ecsTask];
const ECS: Module = {
  RunTaskCommand: 'RunTask',
  RunTask$: [
    9,
    'ecs',
    'RunTask',
    0,
    () => [
      3,
      'ecs',
      'RunTaskRequest',
      0,
      ['taskDefinition', 'cluster', 'count', 'launchType', 'platformVersion', 'startedBy', 'group', 'networkConfiguration', 'overrides', 'propagateTags', 'enableECSManagedTags', 'tags', 'capacityProviderStrategy', 'referenceId', 'enableExecuteCommand', 'placementConstraints', 'placementStrategy', 'volumeConfigurations', 'clientToken'],
      [0, 0, 1, 0, 0, 0, 0, [3, 'ecs', 'NetworkConfiguration', 0, ['awsvpcConfiguration'], [ecsAwsVpc]], [3, 'ecs', 'TaskOverride', 0, ['containerOverrides', 'cpu', 'memory', 'taskRoleArn', 'executionRoleArn'], [[1, 'ecs', 'ContainerOverrides', 0, ecsContainerOverride], 0, 0, 0, 0]], 0, 2, 0, 0, 0, 2, 0, 0, 0, 0],
      1,
    ],
    () => [3, 'ecs', 'RunTaskResponse', 0, ['tasks', 'failures'], [ecsTasks, 0]],
  ],
  StopTaskCommand: 'StopTask',
  // StopTaskRequest: task (required), cluster, reason; StopTaskResponse: task.
  StopTask$: [9, 'ecs', 'StopTask', 0, () => [3, 'ecs', 'StopTaskRequest', 0, ['task', 'cluster', 'reason'], [0, 0, 0], 1], () => [3, 'ecs', 'StopTaskResponse', 0, ['task'], [ecsTask]]],
  DescribeTasksCommand: 'DescribeTasks',
  DescribeTasks$: [9, 'ecs', 'DescribeTasks', 0, () => [3, 'ecs', 'DescribeTasksRequest', 0, ['tasks', 'cluster', 'include'], [[1, 'ecs', 'StringList', 0, 0], 0, 0], 1], () => [3, 'ecs', 'DescribeTasksResponse', 0, ['tasks', 'failures'], [ecsTasks, 0]]],
};

function modules(service: string): Module | undefined {
  return service === 'ecs' ? ECS : SDK[service];
}

function isSchema(value: unknown): value is unknown[] {
  return Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string';
}

/** Follows lazy references (`() => X`) and member wrappers (`[schema, traits]`). */
function deref(value: unknown): unknown {
  if (typeof value === 'function') return deref((value as () => unknown)());
  if (Array.isArray(value) && value.length === 2 && !isSchema(value)) return deref(value[0]);
  return value;
}

function operation(service: string, api: string): unknown[] {
  const module = modules(service);
  if (module === undefined) throw new Error(`no SDK model for service "${service}"`);
  if (module[`${api}Command`] === undefined) throw new Error(`${service} has no API ${api} (no ${api}Command in the SDK)`);
  const op = module[`${api}$`];
  if (!isSchema(op) || op[0] !== 9) throw new Error(`${service}.${api}: no operation schema`);
  return op;
}

const isTemplate = (value: unknown): boolean => typeof value === 'string' && /^\{\{ [^}]+ \}\}$/.test(value);

function checkValue(schema: unknown, value: unknown, where: string, errors: string[]): void {
  const s = deref(schema);
  if (!isSchema(s)) return;
  if (s[0] === 3) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      if (!isTemplate(value)) errors.push(`${where}: expected a structure`);
      return;
    }
    const names = s[4] as string[];
    const members = s[5] as unknown[];
    for (const [key, member] of Object.entries(value)) {
      const index = names.indexOf(key);
      if (index < 0) errors.push(`${where}.${key}: not a member of ${String(s[2])}`);
      else checkValue(members[index], member, `${where}.${key}`, errors);
    }
    const required = typeof s[6] === 'number' ? names.slice(0, s[6]) : [];
    for (const name of required) if (!(name in value)) errors.push(`${where}: required member ${name} missing`);
    return;
  }
  if (s[0] === 1) {
    if (!Array.isArray(value)) {
      if (!isTemplate(value)) errors.push(`${where}: expected a list`);
      return;
    }
    value.forEach((item, i) => checkValue(s[4], item, `${where}[${i}]`, errors));
  }
}

/** Errors in the parameters of a step calling `service`.`api` (empty when they match the model). */
export function checkParameters(service: string, api: string, parameters: Readonly<Record<string, unknown>>): string[] {
  const errors: string[] = [];
  checkValue((operation(service, api)[4] as () => unknown)(), parameters, `${service}.${api}`, errors);
  return errors;
}

/** Errors in a JSONPath selector (`$.A[0].B`) over the response of `service`.`api`. */
export function checkSelector(service: string, api: string, selector: string): string[] {
  if (!selector.startsWith('$.')) return [`${selector}: must start with $.`];
  let schema = deref((operation(service, api)[5] as () => unknown)());
  for (const part of selector.slice(2).split('.')) {
    const match = /^([A-Za-z0-9_]+)((?:\[\d+\])*)$/.exec(part);
    if (match === null) return [`${selector}: cannot read "${part}"`];
    if (!isSchema(schema) || schema[0] !== 3) return [`${selector}: "${part}" is inside a scalar`];
    const index = (schema[4] as string[]).indexOf(match[1]);
    if (index < 0) return [`${selector}: ${match[1]} is not a member of ${String(schema[2])}`];
    schema = deref((schema[5] as unknown[])[index]);
    for (let i = 0; i < (match[2].match(/\[/g) ?? []).length; i += 1) {
      if (!isSchema(schema) || schema[0] !== 1) return [`${selector}: ${match[1]} is not a list`];
      schema = deref(schema[4]);
    }
  }
  return [];
}
