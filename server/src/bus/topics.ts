import type { HubEvent } from '../realtime/event.ts'
import type { RoomRef } from '../realtime/rooms.ts'
import type { RedisKeys } from '../redis/keys.ts'
import type { ClusterMessage } from './cluster-message.ts'

/**
 * Which Redis topic carries what, and which local rooms need which topic.
 * Both directions live here so they cannot drift apart:
 *
 * | event target            | topic          | an instance subscribes while it has      |
 * | tenant, user, role of T | `t:<T>`        | a connection of tenant T                  |
 * | channel C of T          | `c:<T>:<C>`    | a subscriber of C in T                    |
 * | system channel C of T   | `s:<C>`        | a subscriber of C in any tenant (or `*`)  |
 * | all                     | `all`          | always                                    |
 * | disconnects             | `ctl`          | always                                    |
 *
 * One event, one topic, one PUBLISH; an instance subscribed to that topic
 * receives it once, and one with no local recipient does not receive it.
 */
export class TopicMap {
  readonly #keys: RedisKeys
  readonly #system: ReadonlySet<string>

  constructor(keys: RedisKeys, systemChannels: ReadonlySet<string>) {
    this.#keys = keys
    this.#system = systemChannels
  }

  /** Topics subscribed for the instance's whole life. */
  get fixed(): string[] {
    return [this.#keys.allTopic, this.#keys.controlTopic]
  }

  ofMessage(message: ClusterMessage): string {
    return message.kind === 'event' ? this.ofEvent(message.event) : this.#keys.controlTopic
  }

  ofEvent(event: HubEvent): string {
    const t = event.target
    switch (t.kind) {
      case 'tenant':
      case 'user':
      case 'role':
        return this.#keys.tenantTopic(t.tenant)
      case 'channel':
        return this.#system.has(t.channel) ? this.#keys.systemTopic(t.channel) : this.#keys.channelTopic(t.tenant, t.channel)
      case 'all':
        return this.#keys.allTopic
    }
  }

  /** The topic a local room needs; undefined for rooms another room's topic covers (user, role: tenant). */
  ofRoom(room: RoomRef): string | undefined {
    switch (room.kind) {
      case 'tenant':
        return this.#keys.tenantTopic(room.tenant)
      case 'channel':
        return this.#system.has(room.channel) ? this.#keys.systemTopic(room.channel) : this.#keys.channelTopic(room.tenant, room.channel)
      default:
        return undefined
    }
  }
}
