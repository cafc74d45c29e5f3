import type {
  AdminSession,
  AdminSessionOpened,
  ConnectionAction,
  ConnectionActionResponse,
  ConnectionListQuery,
  ConnectionListResponse,
  CreateNotificationBody,
  DeviceListQuery,
  DeviceListResponse,
  DeviceRecord,
  DeviceSwitchResponse,
  EventData,
  LogPage,
  LogQuery,
  NotificationListResponse,
  PublishBody,
  PublishResponse,
  CatalogResponse,
  StatsResponse,
  TestBroadcastBody,
  TestBroadcastResponseSchema,
  UnreadCountResponse,
} from '@switchboard/shared'
import type Type from 'typebox'
import { toSearch } from './lib/log-filters.ts'

/**
 * Typed fetch over the server's HTTP API (schemas in shared/src/http). Every
 * call but the session's carries the short-lived in-memory token as a Bearer;
 * a 401 fetches a fresh token once and retries, and a second 401 ends the
 * session (the console shows the sign-in page).
 */
export type TestBroadcastResponse = Type.Static<typeof TestBroadcastResponseSchema>
export type NotificationDto = EventData<'notification:created'>

export class ApiError extends Error {
  override name = 'ApiError'
  readonly status: number
  readonly code: string
  readonly details: { path: string; message: string }[]

  constructor(status: number, code: string, message: string, details: { path: string; message: string }[] = []) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
  }
}

export interface ApiOptions {
  /** A valid token; `fresh` forces a new one (after a 401). */
  token(fresh?: boolean): Promise<string>
  /** Called when the server refuses even a fresh token. */
  unauthorized(): void
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: { code?: string; message?: string; error?: string; details?: { path: string; message: string }[]; status?: string } = {}
  try {
    body = await res.json()
  } catch {
    // not JSON (a proxy error page): the status says enough
  }
  const code = body.code ?? (res.status === 403 ? 'FORBIDDEN' : res.status === 404 ? 'NOT_FOUND' : res.status >= 500 ? 'UNAVAILABLE' : 'HTTP_ERROR')
  const message = body.message ?? body.error ?? (res.statusText || `HTTP ${res.status}`)
  return new ApiError(res.status, code, message, body.details ?? [])
}

/** Network failures become ApiErrors too, so pages handle one error type. */
async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, credentials: 'same-origin' })
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `The server could not be reached (${err instanceof Error ? err.message : String(err)})`)
  }
}

const query = (q: object) => {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '' && v !== null) params.set(k, String(v))
  const s = params.toString()
  return s ? `?${s}` : ''
}

/** The session endpoints: cookie-based, no token. */
export const sessionApi = {
  async get(): Promise<AdminSession | null> {
    const res = await send('/api/admin/session', { headers: { accept: 'application/json' } })
    if (res.status === 401 || res.status === 403) return null
    if (!res.ok) throw await errorOf(res)
    return res.json()
  },
  async open(token: string): Promise<AdminSessionOpened> {
    const res = await send('/api/admin/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token }),
    })
    if (!res.ok) throw await errorOf(res)
    return res.json()
  },
  async close(): Promise<void> {
    await send('/api/admin/session', { method: 'DELETE' })
  },
}

export function createApi(opts: ApiOptions) {
  async function call(method: string, url: string, body?: unknown, accept = 'application/json'): Promise<Response> {
    const attempt = async (fresh: boolean) => {
      const headers: Record<string, string> = { accept, authorization: `Bearer ${await opts.token(fresh)}` }
      if (body !== undefined) headers['content-type'] = 'application/json'
      return send(url, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) })
    }
    let res = await attempt(false)
    if (res.status === 401) {
      res = await attempt(true)
      if (res.status === 401) opts.unauthorized()
    }
    if (!res.ok) throw await errorOf(res)
    return res
  }
  const json = async <T>(method: string, url: string, body?: unknown): Promise<T> => (await call(method, url, body)).json() as Promise<T>

  return {
    listConnections: (q: ConnectionListQuery) => json<ConnectionListResponse>('GET', `/api/websocket/connections${query(q)}`),
    connectionAction: (id: string, action: ConnectionAction) =>
      json<ConnectionActionResponse>('POST', `/api/websocket/${encodeURIComponent(id)}/${action}`),

    logs: (q: LogQuery) => json<LogPage>('GET', `/api/websocket/logs${toSearch(q)}`),
    /** The whole filtered set as a file (the server streams it). */
    async exportLogs(q: LogQuery, format: 'csv' | 'json'): Promise<{ blob: Blob; filename: string }> {
      const res = await call('GET', `/api/websocket/logs${toSearch({ ...q, format, limit: undefined, before: undefined })}`, undefined, '*/*')
      const disposition = res.headers.get('content-disposition') ?? ''
      const filename = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `websocket-logs.${format}`
      return { blob: await res.blob(), filename }
    },

    notifications: (q: { unreadOnly?: boolean; limit?: number } = {}) =>
      json<NotificationListResponse>('GET', `/api/v1/notifications${query(q)}`),
    unreadCount: () => json<UnreadCountResponse>('GET', '/api/v1/notifications/unread/count'),
    markRead: (id: string) => json<{ success: boolean }>('POST', `/api/v1/notifications/${encodeURIComponent(id)}/read`),
    readAll: () => json<{ success: boolean; updated: number }>('POST', '/api/v1/notifications/read-all'),
    deleteNotification: (id: string) => json<{ success: boolean }>('DELETE', `/api/v1/notifications/${encodeURIComponent(id)}`),
    createNotification: (body: CreateNotificationBody) => json<NotificationDto>('POST', '/api/v1/notifications', body),

    stats: () => json<StatsResponse>('GET', '/ws/stats'),
    async metricsText(): Promise<string> {
      const res = await send('/metrics', { headers: { accept: 'text/plain' } })
      if (!res.ok) throw await errorOf(res)
      return res.text()
    },

    listDevices: (q: DeviceListQuery = {}) => json<DeviceListResponse>('GET', `/api/devices${query(q)}`),
    switchDevice: (id: string, on: boolean) => json<DeviceSwitchResponse>('POST', `/api/devices/${encodeURIComponent(id)}/switch`, { on }),
    setDeviceApproval: (id: string, verb: 'approve' | 'reject') => json<DeviceRecord>('POST', `/api/devices/${encodeURIComponent(id)}/${verb}`),

    publish: (body: PublishBody) => json<PublishResponse>('POST', '/api/publish', body),
    catalog: () => json<CatalogResponse>('GET', '/api/catalog'),
    testBroadcast: (body: TestBroadcastBody) => json<TestBroadcastResponse>('POST', '/ws/_test/broadcast', body ?? {}),
  }
}

export type Api = ReturnType<typeof createApi>
