export { SwitchboardClient } from './client.ts'
export { Backoff, backoffDelay, BackoffOptionError, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts'
export { StateMachine, TRANSITIONS, canTransition, InvalidTransitionError, type ClientState, type StateChange } from './state.ts'
export { ClientError, type ClientErrorCode } from './errors.ts'
export { Emitter } from './emitter.ts'
export { Subscriptions, composeReply, type Filters, type SubscribeGroup } from './subscriptions.ts'
export { endpointUrl } from './transport.ts'
export type { ReplyOf, RequestFrame, RequestType } from './requests.ts'
export type {
  ClientEvents,
  ClientOptions,
  DisconnectInfo,
  EventDataOf,
  PushHandler,
  ReconnectInfo,
  TokenSource,
  WebSocketConstructor,
  WebSocketLike,
} from './types.ts'
