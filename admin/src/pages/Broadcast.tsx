import type { RouteSectionProps } from '@solidjs/router'
import { For, Match, Show, Switch } from 'solid-js'
import { Icon } from '../components/Icon.tsx'
import { PageHeader } from '../components/PageHeader.tsx'
import { Segmented } from '../components/Segmented.tsx'
import { EmptyState } from '../components/States.tsx'
import { formatClock, formatLatency } from '../lib/format.ts'
import type { FormField } from '../lib/schema-form.ts'
import type { BroadcastData, TargetKind } from './Broadcast.data.ts'

export default function Broadcast(props: RouteSectionProps<BroadcastData>) {
  const d = props.data
  return (
    <Show
      when={d.enabled()}
      fallback={
        <EmptyState icon="send" title="Broadcast tools are off in production">
          <p>
            Backends publish with <code>POST /api/publish</code>; the test tools only run outside production.
          </p>
        </EmptyState>
      }
    >
      <PageHeader title="Broadcast" subtitle="Send a test notification or any catalogued event, and watch it arrive on this console's own connection." />
      <div class="split split-wide broadcast-grid">
        <div class="stack">
          <TestBroadcastCard d={d} />
          <PublishCard d={d} />
        </div>
        <ArrivalsCard d={d} />
      </div>
    </Show>
  )
}

function TestBroadcastCard(props: { d: BroadcastData }) {
  const d = props.d
  return (
    <form
      class="card form-card"
      aria-labelledby="test-title"
      data-testid="test-broadcast"
      onSubmit={(e) => {
        e.preventDefault()
        void d.sendTest()
      }}
    >
      <div class="card-head">
        <h2 id="test-title">Test notification</h2>
        <span class="muted mono">POST /ws/_test/broadcast</span>
      </div>
      <p class="muted">A <code>notification</code> event to every authenticated connection, all tenants.</p>
      <div class="form-grid">
        <label class="field">
          <span class="field-label">Title</span>
          <input name="title" value={d.title()} onInput={(e) => d.setTitle(e.currentTarget.value)} maxLength={256} required />
        </label>
        <label class="field">
          <span class="field-label">Level</span>
          <select name="level" value={d.level()} onChange={(e) => d.setLevel(e.currentTarget.value as 'info')}>
            <option value="info">info</option>
            <option value="success">success</option>
            <option value="warning">warning</option>
            <option value="error">error</option>
          </select>
        </label>
        <label class="field field-span">
          <span class="field-label">Content</span>
          <textarea name="content" rows={2} value={d.content()} onInput={(e) => d.setContent(e.currentTarget.value)} maxLength={4096} />
        </label>
      </div>
      <div class="form-actions">
        <Show when={d.testResult()}>
          <span class="muted" role="status">
            {d.testResult()}
          </span>
        </Show>
        <button type="submit" class="button button-primary" disabled={d.testBusy()}>
          <Icon name="send" size={16} /> {d.testBusy() ? 'Sending…' : 'Send to everyone'}
        </button>
      </div>
    </form>
  )
}

function PublishCard(props: { d: BroadcastData }) {
  const d = props.d
  return (
    <form
      class="card form-card publish-card"
      aria-labelledby="publish-title"
      data-testid="publish-form"
      onSubmit={(e) => {
        e.preventDefault()
        void d.publish()
      }}
    >
      <div class="card-head">
        <h2 id="publish-title">Publish an event</h2>
        <span class="muted mono">POST /api/publish</span>
      </div>
      <div class="form-grid">
        <label class="field">
          <span class="field-label">Event type</span>
          <select name="type" value={d.type()} onChange={(e) => d.setType(e.currentTarget.value)}>
            <For each={d.types()}>{(t) => <option value={t}>{t}</option>}</For>
          </select>
        </label>
        <label class="field">
          <span class="field-label">Tenant</span>
          <input name="tenant" value={d.tenant()} onInput={(e) => d.setTenant(e.currentTarget.value)} readOnly={!d.isAdmin()} required />
        </label>
        <div class="field field-span">
          <span class="field-label" id="target-label">
            Deliver to
          </span>
          <div class="target-row">
            <Segmented<TargetKind>
              label="Deliver to"
              value={d.targetKind()}
              onChange={d.setTargetKind}
              options={[
                { value: 'tenant', label: 'Whole tenant' },
                { value: 'channel', label: 'Channel' },
                { value: 'user', label: 'User' },
                { value: 'role', label: 'Role' },
              ]}
            />
            <Show when={d.targetKind() !== 'tenant'}>
              <input
                aria-label={`${d.targetKind()} name`}
                placeholder={d.targetKind() === 'channel' ? 'e.g. orders' : d.targetKind() === 'user' ? 'user id' : 'role name'}
                value={d.targetValue()}
                onInput={(e) => d.setTargetValue(e.currentTarget.value)}
                aria-invalid={d.fieldErrors().target ? 'true' : undefined}
              />
            </Show>
          </div>
          <Show when={d.fieldErrors().target}>
            <span class="field-error">{d.fieldErrors().target}</span>
          </Show>
        </div>
      </div>

      <div class="card-subhead">
        <h3 class="mini-title">Data</h3>
        <Segmented<'form' | 'json'>
          label="Edit data as"
          value={d.mode()}
          onChange={d.setMode}
          options={[
            { value: 'form', label: 'Form' },
            { value: 'json', label: 'JSON' },
          ]}
        />
      </div>
      <Show
        when={d.mode() === 'form'}
        fallback={
          <label class="field">
            <span class="visually-hidden">Event data as JSON</span>
            <textarea class="mono" rows={10} value={d.json()} onInput={(e) => d.setJson(e.currentTarget.value)} spellcheck={false} />
            <Show when={d.fieldErrors().json}>
              <span class="field-error">{d.fieldErrors().json}</span>
            </Show>
          </label>
        }
      >
        <div class="form-grid">
          <For each={d.fields()}>{(f) => <SchemaField field={f} d={d} />}</For>
        </div>
      </Show>
      <Show when={d.serverErrors().length > 0}>
        <ul class="server-errors" role="alert">
          <For each={d.serverErrors()}>
            {(e) => (
              <li>
                <code>{e.path || '(data)'}</code> {e.message}
              </li>
            )}
          </For>
        </ul>
      </Show>
      <div class="form-actions">
        <Show when={d.lastPublish()}>
          {(p) => (
            <span class="muted" role="status">
              Event <code>{p().id.slice(0, 8)}</code> → {p().target}
            </span>
          )}
        </Show>
        <button type="submit" class="button button-primary" disabled={d.publishBusy()}>
          <Icon name="send" size={16} /> {d.publishBusy() ? 'Publishing…' : 'Publish'}
        </button>
      </div>
    </form>
  )
}

function SchemaField(props: { field: FormField; d: BroadcastData }) {
  const f = () => props.field
  const value = () => props.d.inputs()[f().name] ?? f().initial
  const set = (v: string) => props.d.setInput(f().name, v)
  const error = () => props.d.fieldErrors()[f().name]
  const id = () => `field-${f().name}`
  const label = () => (
    <span class="field-label">
      {f().name}
      {f().required ? <span class="req" aria-label="required"> *</span> : null}
      <Show when={f().hint || f().nullable}>
        <span class="field-hint">
          {f().hint}
          {f().nullable ? `${f().hint ? ', ' : ''}empty = null` : ''}
        </span>
      </Show>
    </span>
  )
  return (
    <label class={`field ${f().kind === 'json' ? 'field-span' : ''}`} for={id()}>
      {label()}
      <Switch>
        <Match when={f().kind === 'enum'}>
          <select id={id()} value={value()} onChange={(e) => set(e.currentTarget.value)}>
            <Show when={!f().required}>
              <option value="">(none)</option>
            </Show>
            <For each={f().options}>{(o) => <option value={o}>{o}</option>}</For>
          </select>
        </Match>
        <Match when={f().kind === 'boolean'}>
          <select id={id()} value={value()} onChange={(e) => set(e.currentTarget.value)}>
            <Show when={!f().required || f().nullable}>
              <option value="">{f().nullable ? 'null' : '(none)'}</option>
            </Show>
            <option value="true">true</option>
            <option value="false">false</option>
          </select>
        </Match>
        <Match when={f().kind === 'json'}>
          <textarea id={id()} class="mono" rows={2} value={value()} onInput={(e) => set(e.currentTarget.value)} placeholder={f().hint} spellcheck={false} />
        </Match>
        <Match when={f().kind === 'number' || f().kind === 'integer'}>
          <input id={id()} inputmode="decimal" value={value()} onInput={(e) => set(e.currentTarget.value)} aria-invalid={error() ? 'true' : undefined} />
        </Match>
        <Match when={true}>
          <input id={id()} value={value()} onInput={(e) => set(e.currentTarget.value)} maxLength={f().maxLength} aria-invalid={error() ? 'true' : undefined} />
        </Match>
      </Switch>
      <Show when={error()}>
        <span class="field-error">{error()}</span>
      </Show>
    </label>
  )
}

function ArrivalsCard(props: { d: BroadcastData }) {
  const d = props.d
  return (
    <section class="card arrivals" aria-labelledby="arrivals-title" data-testid="arrivals">
      <div class="card-head">
        <h2 id="arrivals-title">Arriving here</h2>
        <button type="button" class="button button-small button-ghost" onClick={d.clearFeed}>
          Clear
        </button>
      </div>
      <Show
        when={d.feed().length > 0}
        fallback={
          <EmptyState icon="inbox" title="Nothing received yet">
            <p>Events this console's connection receives (its tenant, user and roles, and the admin channels) show up here.</p>
          </EmptyState>
        }
      >
        <ol class="arrival-list" aria-live="polite">
          <For each={d.feed()}>
            {(a) => (
              <li class={`arrival ${a.roundTripMs !== null ? 'arrival-ours' : ''}`} data-type={a.push.type}>
                <div class="arrival-head">
                  <span class="chip chip-type">{a.push.type}</span>
                  <Show when={a.push.channel}>
                    <span class="chip chip-channel">#{a.push.channel}</span>
                  </Show>
                  <Show when={a.roundTripMs !== null}>
                    <span class="pill pill-ok">yours · {formatLatency(a.roundTripMs)}</span>
                  </Show>
                  <time class="muted mono">{formatClock(a.at)}</time>
                </div>
                <pre class="arrival-data">{JSON.stringify(a.push.data, null, 2)}</pre>
              </li>
            )}
          </For>
        </ol>
      </Show>
    </section>
  )
}
