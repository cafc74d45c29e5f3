import type Type from 'typebox'
import { deviceEvents } from './devices.ts'
import { eventStoreEvents } from './event-store.ts'
import { logEvents } from './logs.ts'
import { notificationEvents } from './notifications.ts'
import { operationsEvents } from './operations.ts'
import { salesEvents } from './sales.ts'

/** The built-in event catalog: event `type` -> payload (`data`) schema. */
export const EVENT_CATALOG = {
  ...operationsEvents,
  ...notificationEvents,
  ...deviceEvents,
  ...salesEvents,
  ...eventStoreEvents,
  ...logEvents,
} as const

export type EventType = keyof typeof EVENT_CATALOG
export type EventData<T extends EventType> = Type.Static<(typeof EVENT_CATALOG)[T]>
export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[]

/**
 * Channels only operators may join (reference 004's system channels).
 * `admin` sees them for every tenant, a tenant admin for its own.
 */
export const RESTRICTED_CHANNELS: Readonly<Record<string, 'admin'>> = {
  logs: 'admin',
  dlq: 'admin',
  'admin-dashboard': 'admin',
}

/** Event type pattern that operator-registered types must follow. */
export const EVENT_TYPE_PATTERN = '^[A-Za-z][A-Za-z0-9_:.-]{0,127}$'
