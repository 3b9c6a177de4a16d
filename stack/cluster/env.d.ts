/** Types of stack/cluster/env.js (CommonJS, shared with test/cluster/jest.config.js). */
export interface KafkaNodePorts {
  nodeId: number;
  broker: number;
  controller: number;
}

export interface ClusterPorts {
  balancer: number;
  balancerStats: number;
  api: number[];
  apiMetrics: number[];
  workerMetrics: number[];
  consumersHealth: number[];
  deliveryHealth: number[];
  kafka: KafkaNodePorts[];
  postgres: number;
  temporal: number;
  temporalHistory: number;
  temporalMatching: number;
  temporalWorker: number;
  temporalUi: number;
  temporalMembership: number;
  smtp: number;
  smtpUi: number;
  zipkin: number;
}

export const REPLICAS: number;
export const repoRoot: string;
export function clusterPorts(base: number): ClusterPorts;
export function clusterEnv(options: { base: number; stateDir: string; appEnv: 'development' | 'test' }): Record<string, string>;
export function applyClusterEnv(kind: 'run' | 'test', env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
