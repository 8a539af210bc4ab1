/** Thresholds, in one place so the documentation and the tests can name them. */
export const THRESHOLDS = {
  /** Canary runs are pass/fail (0 or 100): two failed runs in a row alarm. */
  canarySuccessPercent: 100,
  canaryEvaluationPeriods: 2,
  elb5xxPerMinute: 10,
  target5xxPerMinute: 10,
  /** Minutes a service may run fewer tasks than desired (deployments and task replacement take a few). */
  taskShortfallMinutes: 5,
  auroraRpoLagMs: 30_000,
  /** The slowest carts item of a 5-minute window took longer than this to reach the other Region. */
  dynamodbReplicationLatencyMs: 30_000,
  /** Consecutive 5-minute windows late or stalled before the replication alarm fires. */
  replicationEvaluationPeriods: 2,
  cacheCpuPercent: 80,
  cacheMemoryPercent: 90,
  /** Of the busiest broker node. */
  brokerCpuPercent: 85,
  /** Of the busiest broker node's high watermark (RabbitMQ blocks publishers at 100). */
  brokerMemoryPercent: 80,
} as const;

export type BrokerDeploymentMode = 'SINGLE_INSTANCE' | 'CLUSTER_MULTI_AZ';
