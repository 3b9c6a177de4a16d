/** Connections to the Temporal server: a client for the API, a native connection for workers. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { getConfig } from './config';
import { activeTracing } from './tracing';

function connectionOptions() {
  const { temporal } = getConfig();
  return { address: temporal.address, tls: temporal.tls, apiKey: temporal.apiKey };
}

export async function createTemporalClient(): Promise<Client> {
  const connection = await Connection.connect({ ...connectionOptions(), connectTimeout: 10_000 });
  // with tracing on, starting a saga or updating it carries the caller's trace into the workflow's headers
  const interceptors = activeTracing()?.clientInterceptors();
  return new Client({ connection, namespace: getConfig().temporal.namespace, interceptors });
}

export function createWorkerConnection(): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions());
}
