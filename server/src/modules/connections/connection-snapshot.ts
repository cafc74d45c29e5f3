import type { ConnectionRecord } from '@switchboard/shared'
import type { ConnectionInfo } from '../../realtime/connection-observer.ts'
import { storableText } from '../../storage/storable-text.ts'
import type { ConnectionStatus, ConnectionType, WebsocketConnection } from './connection.entity.ts'

/**
 * A connection's whole state at one moment, as the registry writes it. Taken
 * synchronously from the live connection (which keeps changing) and upserted
 * whole, so the newest snapshot of an id can simply replace older ones.
 * `autoReconnect` is not part of it: only operators change that flag.
 */
export interface ConnectionSnapshot {
  id: string
  type: ConnectionType
  referenceId: string
  status: ConnectionStatus
  userId: string | null
  tenant: string | null
  roles: string[]
  ip: string | null
  userAgent: string | null
  origin: string | null
  instanceId: string
  connectedAt: string
  authenticatedAt: string | null
  disconnectedAt: string | null
  closeCode: number | null
  closeReason: string | null
  lastPingAt: string | null
  messagesIn: number
  messagesOut: number
  subscriptions: string[]
  errorMessage: string | null
  updatedAt: string
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString())
const clip = (s: string | undefined, max: number) => (s === undefined ? null : s.slice(0, max))

/** 1011 is the server failing the connection; anything else ends it normally or by policy. */
export function statusAfterClose(code: number): ConnectionStatus {
  return code === 1011 ? 'error' : 'disconnected'
}

export function clientSnapshot(
  c: ConnectionInfo,
  instanceId: string,
  close?: { code: number; reason: string; at: Date },
): ConnectionSnapshot {
  // the peer chose the reason: a NUL in it would make the database refuse the snapshot
  const reason = close ? storableText(close.reason) : ''
  return {
    id: c.id,
    type: 'CLIENT',
    referenceId: c.id,
    status: close ? statusAfterClose(close.code) : 'connected',
    userId: c.user ?? null,
    tenant: c.tenant ?? null,
    roles: [...c.roles],
    ip: clip(c.ip, 64),
    userAgent: clip(c.userAgent, 512),
    origin: clip(c.origin, 512),
    instanceId,
    connectedAt: new Date(c.connectedAt).toISOString(),
    authenticatedAt: iso(c.authenticatedAt),
    disconnectedAt: close ? close.at.toISOString() : null,
    closeCode: close ? close.code : null,
    closeReason: close ? reason.slice(0, 256) : null,
    lastPingAt: iso(c.lastPongAt),
    messagesIn: c.messagesIn,
    messagesOut: c.messagesOut,
    subscriptions: [...c.subscriptions].slice(0, 256),
    errorMessage: close?.code === 1011 ? reason.slice(0, 1024) || 'internal error' : null,
    updatedAt: (close?.at ?? new Date()).toISOString(),
  }
}

const time = (d: Date | null | undefined) => (d ? d.toISOString() : null)

/**
 * The API form of a row. When the connection lives on this instance, its
 * counters, last pong and subscriptions are read live instead of from the
 * last snapshot written.
 */
export function toRecord(row: WebsocketConnection, live?: ConnectionInfo): ConnectionRecord {
  return {
    id: row.id,
    type: row.type,
    referenceId: row.referenceId,
    status: row.status,
    autoReconnect: row.autoReconnect,
    lastPingAt: live?.lastPongAt !== undefined ? new Date(live.lastPongAt).toISOString() : time(row.lastPingAt),
    errorMessage: row.errorMessage ?? null,
    metadata: row.metadata ?? null,
    user: live?.user ?? row.userId ?? null,
    tenant: live?.tenant ?? row.tenant ?? null,
    roles: live ? [...live.roles] : (row.roles ?? []),
    ip: row.ip ?? null,
    userAgent: row.userAgent ?? null,
    origin: row.origin ?? null,
    instanceId: row.instanceId ?? null,
    connectedAt: time(row.connectedAt),
    authenticatedAt: live?.authenticatedAt !== undefined ? new Date(live.authenticatedAt).toISOString() : time(row.authenticatedAt),
    disconnectedAt: time(row.disconnectedAt),
    closeCode: row.closeCode ?? null,
    closeReason: row.closeReason ?? null,
    messagesIn: live?.messagesIn ?? Number(row.messagesIn),
    messagesOut: live?.messagesOut ?? Number(row.messagesOut),
    subscriptions: live ? [...live.subscriptions] : (row.subscriptions ?? []),
    live: live !== undefined,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}
