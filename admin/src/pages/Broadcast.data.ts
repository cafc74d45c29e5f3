import { EVENT_CATALOG, type PushFrame, type TestBroadcastBody } from '@switchboard/shared'
import { batch, createMemo, createSignal, onCleanup } from 'solid-js'
import { ApiError } from '../api.ts'
import { buildData, exampleOf, fieldsOf, type JsonSchema } from '../lib/schema-form.ts'
import { useRealtime } from '../realtime.tsx'
import { useSession } from '../session.tsx'
import { useUi } from '../ui.tsx'

export type TargetKind = 'tenant' | 'channel' | 'user' | 'role'

export interface Arrival {
  key: number
  at: number
  push: PushFrame
  /** ms from our send to its arrival on the console's own socket, when it was ours. */
  roundTripMs: number | null
}

const FEED_LIMIT = 30

/**
 * The Broadcast page's loader: reference 002's `_test/broadcast`, a publish
 * form built from any catalogued event's schema, and the feed of what the
 * console's own socket receives, so a send can be seen arriving. The event
 * types are the server's catalog (`GET /api/catalog`: operator-registered
 * types too), the built-in ones until it has answered.
 */
export function broadcastData() {
  const { api, principal, testTools } = useSession()
  const rt = useRealtime()
  const { toast } = useUi()

  // What was sent, to match arrivals: event id -> send time; plus test broadcasts by title.
  const sentIds = new Map<string, number>()
  const sentTitles = new Map<string, number>()

  // Test broadcast.
  const [title, setTitle] = createSignal('BroadcastTest')
  const [content, setContent] = createSignal('Mensaje de prueba')
  const [level, setLevel] = createSignal<NonNullable<NonNullable<TestBroadcastBody>['level']>>('info')
  const [testBusy, setTestBusy] = createSignal(false)
  const [testResult, setTestResult] = createSignal<string | null>(null)
  async function sendTest(): Promise<void> {
    setTestBusy(true)
    try {
      sentTitles.set(title(), performance.now())
      const res = await api.testBroadcast({ title: title(), content: content(), level: level() })
      setTestResult(`Sent to ${res.sent} connection${res.sent === 1 ? '' : 's'}`)
      toast(`Test notification sent to ${res.sent} connection${res.sent === 1 ? '' : 's'}`, 'success')
    } catch (err) {
      toast(err instanceof ApiError ? `Broadcast failed: ${err.message}` : 'Broadcast failed', 'error')
    } finally {
      setTestBusy(false)
    }
  }

  // Publish any catalogued event.
  const [catalog, setCatalog] = createSignal(new Map(Object.entries(EVENT_CATALOG).map(([t, s]) => [t, s as unknown as JsonSchema])))
  api.catalog().then(
    (res) => setCatalog(new Map(res.types.map((e) => [e.type, e.schema as JsonSchema]))),
    () => {
      // the built-in types stay offered; publishing itself reports what is wrong
    },
  )
  const types = createMemo(() => [...catalog().keys()])
  const [type, setTypeRaw] = createSignal('system_event')
  const schema = createMemo(() => catalog().get(type()) ?? {})
  const fields = createMemo(() => fieldsOf(schema()))
  const [inputs, setInputs] = createSignal<Record<string, string>>({})
  const [mode, setMode] = createSignal<'form' | 'json'>('form')
  const [json, setJson] = createSignal(JSON.stringify(exampleOf(schema()), null, 2))
  const [tenant, setTenant] = createSignal(principal()?.tenant ?? '')
  const [targetKind, setTargetKind] = createSignal<TargetKind>('tenant')
  const [targetValue, setTargetValue] = createSignal('')
  const [fieldErrors, setFieldErrors] = createSignal<Record<string, string>>({})
  const [serverErrors, setServerErrors] = createSignal<{ path: string; message: string }[]>([])
  const [publishBusy, setPublishBusy] = createSignal(false)
  const [lastPublish, setLastPublish] = createSignal<{ id: string; target: string } | null>(null)

  const setType = (t: string) =>
    batch(() => {
      setTypeRaw(t)
      setInputs({})
      setFieldErrors({})
      setServerErrors([])
      setJson(JSON.stringify(exampleOf(catalog().get(t) ?? {}), null, 2))
    })
  const setInput = (name: string, value: string) => setInputs((i) => ({ ...i, [name]: value }))

  async function publish(): Promise<void> {
    setServerErrors([])
    let data: unknown
    if (mode() === 'json') {
      try {
        data = JSON.parse(json())
      } catch {
        setFieldErrors({ json: 'not valid JSON' })
        return
      }
      setFieldErrors({})
    } else {
      const built = buildData(fields(), inputs())
      setFieldErrors(built.errors)
      if (Object.keys(built.errors).length > 0) return
      data = built.data
    }
    const target = targetKind() === 'tenant' ? {} : { [targetKind()]: targetValue().trim() }
    if (targetKind() !== 'tenant' && !targetValue().trim()) {
      setFieldErrors({ target: `name the ${targetKind()}` })
      return
    }
    setPublishBusy(true)
    const started = performance.now()
    try {
      const res = await api.publish({ type: type(), data, tenant: tenant().trim(), ...target })
      sentIds.set(res.id, started)
      setLastPublish({ id: res.id, target: res.target })
      toast(`Published ${res.type} to ${res.target}`, 'success')
    } catch (err) {
      if (err instanceof ApiError && err.details.length > 0) setServerErrors(err.details)
      toast(err instanceof ApiError ? `Publish refused: ${err.message}` : 'Publish failed', 'error')
    } finally {
      setPublishBusy(false)
    }
  }

  // What arrives on the console's own socket.
  const [feed, setFeed] = createSignal<Arrival[]>([])
  let seq = 0
  onCleanup(
    rt.onAny((push) => {
      if (push.type.startsWith('log:')) return // the logs channel would drown everything else
      const now = performance.now()
      let sentAt = sentIds.get(push.id)
      if (sentAt !== undefined) sentIds.delete(push.id)
      const title = push.type === 'notification' ? (push.data as { title?: string }).title : undefined
      if (sentAt === undefined && title !== undefined && sentTitles.has(title)) {
        sentAt = sentTitles.get(title)
        sentTitles.delete(title)
      }
      const arrival: Arrival = { key: ++seq, at: Date.now(), push, roundTripMs: sentAt === undefined ? null : now - sentAt }
      setFeed((f) => [arrival, ...f].slice(0, FEED_LIMIT))
    }),
  )

  return {
    enabled: testTools,
    isAdmin: () => principal()?.isAdmin === true,
    title,
    setTitle,
    content,
    setContent,
    level,
    setLevel,
    testBusy,
    testResult,
    sendTest,
    types,
    type,
    setType,
    fields,
    inputs,
    setInput,
    mode,
    setMode,
    json,
    setJson,
    tenant,
    setTenant,
    targetKind,
    setTargetKind,
    targetValue,
    setTargetValue,
    fieldErrors,
    serverErrors,
    publishBusy,
    publish,
    lastPublish,
    feed,
    clearFeed: () => setFeed([]),
  }
}

export type BroadcastData = ReturnType<typeof broadcastData>
