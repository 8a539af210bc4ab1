import { SSMClient } from '@aws-sdk/client-ssm';
import {
  createArcClientFactory,
  readRoutingControlStates,
  type ArcClientFactory,
  type ControlState,
  type RandomSource,
} from '../../runbooks/runtime/arc';
import { readTopologyParameter } from '../../runbooks/runtime/topology-source';
import { ROUTING_CONTROL_DIMENSION, ROUTING_CONTROL_METRIC, ROUTING_READ_DIMENSION, ROUTING_READ_METRIC } from '../names';

/**
 * Publishes which Region's routing control is On, for the overview dashboard.
 *
 * Reads the topology this Region published (ARC cluster endpoints and the routing control of every
 * Region), reads every control through the ARC data plane from one endpoint (endpoints in random
 * order, the next one on any error: the same rotation the runbooks use) and writes the states as
 * CloudWatch Embedded Metric Format records to its log: CloudWatch Logs turns them into metrics, so
 * the function needs neither the CloudWatch SDK nor cloudwatch:PutMetricData.
 */

export const ENV_TOPOLOGY_PARAMETER = 'TOPOLOGY_PARAMETER_NAME';
export const ENV_METRIC_NAMESPACE = 'METRIC_NAMESPACE';

export interface PublisherDependencies {
  readonly ssm: SSMClient;
  readonly topologyParameterName: string;
  readonly namespace: string;
  /** The publisher's own Region: the dimension of the read metric, so its alarm names the Region it watches. */
  readonly region: string;
  readonly clientFor: ArcClientFactory;
  readonly random: RandomSource;
  readonly now: () => number;
  /** Writes one log line; EMF needs the JSON alone on its line, without the console prefix. */
  readonly writeLine: (line: string) => void;
}

export interface PublishResult {
  readonly states: Readonly<Record<string, ControlState>>;
  readonly endpoint: string;
  readonly failedEndpoints: number;
}

/** One EMF record: the metric values at the top level, described by the `_aws` metadata. */
export function emfRecord(
  namespace: string,
  timestamp: number,
  dimensions: Readonly<Record<string, string>>,
  metrics: Readonly<Record<string, number>>,
): string {
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: Object.keys(metrics).map((name) => ({ Name: name, Unit: 'None' })),
        },
      ],
    },
    ...dimensions,
    ...metrics,
  });
}

export async function publishRoutingStates(deps: PublisherDependencies): Promise<PublishResult> {
  const timestamp = deps.now();
  const topology = await readTopologyParameter(deps.ssm, deps.topologyParameterName);
  try {
    const result = await readRoutingControlStates(
      { endpoints: topology.arc.clusterEndpoints, clientFor: deps.clientFor, random: deps.random },
      topology.arc.routingControls,
    );
    for (const [region, state] of Object.entries(result.value)) {
      deps.writeLine(emfRecord(deps.namespace, timestamp, { [ROUTING_CONTROL_DIMENSION]: region }, { [ROUTING_CONTROL_METRIC]: state === 'On' ? 1 : 0 }));
    }
    deps.writeLine(emfRecord(deps.namespace, timestamp, { [ROUTING_READ_DIMENSION]: deps.region }, { [ROUTING_READ_METRIC]: 1 }));
    return { states: result.value, endpoint: result.endpoint.endpoint, failedEndpoints: result.failures.length };
  } catch (error) {
    // No state is published rather than a guessed one; the failed read is a metric of its own.
    deps.writeLine(emfRecord(deps.namespace, timestamp, { [ROUTING_READ_DIMENSION]: deps.region }, { [ROUTING_READ_METRIC]: 0 }));
    throw error;
  }
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Environment variable ${name} is not set`);
  }
  return value;
}

let defaults: PublisherDependencies | undefined;

/** Real dependencies, built once per container on first use (clients are reused across runs). */
function defaultDependencies(): PublisherDependencies {
  defaults ??= {
    ssm: new SSMClient({}),
    topologyParameterName: requireEnv(ENV_TOPOLOGY_PARAMETER),
    namespace: requireEnv(ENV_METRIC_NAMESPACE),
    // Set by Lambda for every function.
    region: requireEnv('AWS_REGION'),
    clientFor: createArcClientFactory(),
    random: Math.random,
    now: Date.now,
    writeLine: (line) => {
      process.stdout.write(`${line}\n`);
    },
  };
  return defaults;
}

export const handler = async (): Promise<PublishResult> => publishRoutingStates(defaultDependencies());
