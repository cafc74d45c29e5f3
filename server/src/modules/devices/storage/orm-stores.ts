import type { FastifyBaseLogger } from 'fastify'
import { BatchedWriter, type WriterMetrics } from '../../../storage/batched-writer.ts'
import type { ConnectionStatus } from '../../connections/connection.entity.ts'
import type { Orm } from '../../../storage/database.ts'
import type { DeviceSnapshot } from '../state/device.ts'
import { UpstreamConnectionRepository } from './cloud-account.repository.ts'
import { DeviceRepository } from './device.repository.ts'
import type { BulkOffline, DeviceStore, UpstreamSnapshot, UpstreamStore } from './stores.ts'

export interface WriterSettings {
  batchSize: number
  flushMs: number
  maxBuffer: number
  metrics: WriterMetrics
  log: Pick<FastifyBaseLogger, 'warn' | 'error'>
}

type DeviceWrite = { kind: 'state'; snapshot: DeviceSnapshot } | { kind: 'offline'; bulk: BulkOffline }

/**
 * Device state through the batched writer: per-device snapshots coalesce (the
 * newest replaces an older one still waiting), each upstream loss stays one
 * record and one UPDATE. Versions make the order of statements irrelevant.
 */
export class OrmDeviceStore implements DeviceStore {
  readonly repo: DeviceRepository
  readonly writer: BatchedWriter<DeviceWrite>

  constructor(orm: Orm, settings: WriterSettings) {
    this.repo = new DeviceRepository(orm)
    this.writer = new BatchedWriter<DeviceWrite>({
      name: 'device',
      key: (w) => (w.kind === 'state' ? w.snapshot.id : `offline\0${w.bulk.seq}`),
      write: async (batch) => {
        await this.repo.upsert(batch.flatMap((w) => (w.kind === 'state' ? [w.snapshot] : [])))
        for (const w of batch) if (w.kind === 'offline') await this.repo.bulkOffline(w.bulk)
      },
      ...settings,
    })
  }

  loadAll(): Promise<DeviceSnapshot[]> {
    return this.repo.loadAll()
  }

  writeState(snapshot: DeviceSnapshot): void {
    this.writer.push({ kind: 'state', snapshot })
  }

  writeOffline(bulk: BulkOffline): void {
    this.writer.push({ kind: 'offline', bulk })
  }

  saveConfig(snapshot: DeviceSnapshot): Promise<void> {
    return this.repo.saveConfig(snapshot)
  }

  close(): Promise<void> {
    return this.writer.close()
  }
}

/** Upstream connection status through a batched writer of its own, coalesced per connection. */
export class OrmUpstreamStore implements UpstreamStore {
  readonly repo: UpstreamConnectionRepository
  readonly #writer: BatchedWriter<UpstreamSnapshot>

  constructor(orm: Orm, settings: WriterSettings) {
    this.repo = new UpstreamConnectionRepository(orm)
    this.#writer = new BatchedWriter<UpstreamSnapshot>({ name: 'upstream_connection', key: (s) => s.id, write: (batch) => this.repo.update(batch), ...settings })
  }

  ensure(snapshot: UpstreamSnapshot, autoReconnect: boolean): Promise<void> {
    return this.repo.ensure(snapshot, autoReconnect)
  }

  record(snapshot: UpstreamSnapshot): void {
    this.#writer.push(snapshot)
  }

  stored(id: string): Promise<{ status: ConnectionStatus; autoReconnect: boolean } | undefined> {
    return this.repo.stored(id)
  }

  setAutoReconnect(id: string, value: boolean): Promise<void> {
    return this.repo.setAutoReconnect(id, value)
  }

  async remove(id: string): Promise<void> {
    await this.#writer.flush()
    await this.repo.remove(id)
  }

  close(): Promise<void> {
    return this.#writer.close()
  }
}
