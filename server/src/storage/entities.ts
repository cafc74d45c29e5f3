import { ChannelMessage, ChannelStream } from '../history/history.entity.ts'
import { WebsocketConnection } from '../modules/connections/connection.entity.ts'
import { DEVICE_ENTITIES } from '../modules/devices/storage/device-entities.ts'
import { ServiceLog } from '../modules/logs/service-log.entity.ts'
import { WebsocketLog } from '../modules/logs/websocket-log.entity.ts'
import { Notification } from '../modules/notifications/notification.entity.ts'

/** Every entity the ORM knows; migrations are generated from this list. */
export const ENTITIES = [WebsocketConnection, WebsocketLog, ServiceLog, Notification, ChannelStream, ChannelMessage, ...DEVICE_ENTITIES]
