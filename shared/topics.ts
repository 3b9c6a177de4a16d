/** The event contract's topics (DESIGN §4). Each has a `.dlq` twin for poison messages. */
export const SALE_TOPICS = {
  created: 'sale.created',
  completed: 'sale.completed',
  cancelled: 'sale.cancelled',
} as const;

export const INVENTORY_TOPIC = 'inventory-updates';

export const EVENT_TOPICS = [SALE_TOPICS.created, SALE_TOPICS.completed, SALE_TOPICS.cancelled, INVENTORY_TOPIC] as const;
export type EventTopic = (typeof EVENT_TOPICS)[number];

export const dlqTopic = (topic: string): string => `${topic}.dlq`;

export const ALL_TOPICS: string[] = EVENT_TOPICS.flatMap((t) => [t, dlqTopic(t)]);
