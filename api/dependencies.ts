/** What the HTTP layer needs from the outside world; built once by runtime/api-server.ts. */
import type { Client } from '@temporalio/client';
import type { Admin, Producer } from 'kafkajs';
import type { Knex } from 'knex';
import type { NotificationHub } from './notifications/hub';
import type { LiveStreams } from './streams/live-streams';

export interface Dependencies {
  db: Knex;
  kafkaAdmin: Admin;
  /** for events the API publishes itself (POST /send_notification) */
  producer: Producer;
  temporal: Client;
  /** live notifications (GET /notifications/stream); without it that route answers 503 */
  notificationHub?: NotificationHub;
  /** caps and lifetimes of the live streams; made from the configuration when not given */
  liveStreams?: LiveStreams;
}
