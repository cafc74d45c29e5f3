import { defineEntity, p } from '@mikro-orm/core'

/**
 * `channel_stream`: one row per channel that keeps history. `epoch` changes
 * whenever the stream's history is lost (the row is recreated), so a client's
 * stale position can never be mistaken for a current one. The row is the
 * lock that serialises offset assignment across instances.
 */
export const ChannelStreamSchema = defineEntity({
  name: 'ChannelStream',
  tableName: 'channel_stream',
  properties: {
    streamKey: p.string().length(300).primary(),
    epoch: p.string().length(64),
    lastOffset: p.bigint('number').default(0),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
})

export class ChannelStream extends ChannelStreamSchema.class {}
ChannelStreamSchema.setClass(ChannelStream)

/**
 * `channel_message`: the kept events of a stream, by offset. `event` is the
 * HubEvent as JSON text, not jsonb: jsonb reorders keys and rewrites numbers,
 * and a replayed push should carry exactly the data the live one did. Offset
 * and epoch are not in it (the row and its stream hold them).
 */
export const ChannelMessageSchema = defineEntity({
  name: 'ChannelMessage',
  tableName: 'channel_message',
  properties: {
    streamKey: p.string().length(300).primary(),
    offset: p.bigint('number').primary(),
    event: p.text(),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
  },
  primaryKeys: ['streamKey', 'offset'],
  indexes: [{ name: 'channel_message_expires_at_index', properties: ['expiresAt'] }],
})

export class ChannelMessage extends ChannelMessageSchema.class {}
ChannelMessageSchema.setClass(ChannelMessage)
