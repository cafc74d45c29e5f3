import { Migration } from '@mikro-orm/migrations';

export class Migration20261123095023_initial extends Migration {

  override name = 'Migration20261123095023_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "channel_message" ("stream_key" varchar(300) not null, "offset" bigint not null, "event" text not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, primary key ("stream_key", "offset"));`);
    this.addSql(`create index "channel_message_expires_at_index" on "channel_message" ("expires_at");`);

    this.addSql(`create table "channel_stream" ("stream_key" varchar(300) not null, "epoch" varchar(64) not null, "last_offset" bigint not null default '0', "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("stream_key"));`);

    this.addSql(`create table "notification" ("id" uuid not null, "tenant" varchar(128) not null, "user_id" varchar(128) not null, "type" text not null, "category" text not null, "title" varchar(256) not null, "message" text not null, "data" jsonb null, "action_url" varchar(2048) null, "read_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "notification_tenant_user_created_index" on "notification" ("tenant", "user_id", "created_at");`);

    this.addSql(`create table "service_log" ("id" bigserial primary key, "tenant" varchar(128) not null, "level" text not null, "service" varchar(128) not null, "context" varchar(256) null, "message" text not null, "metadata" jsonb null, "stack" text null, "logged_at" timestamptz not null, "created_at" timestamptz not null);`);
    this.addSql(`create index "service_log_tenant_index" on "service_log" ("tenant", "id");`);
    this.addSql(`create index "service_log_level_index" on "service_log" ("level", "id");`);
    this.addSql(`create index "service_log_service_index" on "service_log" ("service", "id");`);
    this.addSql(`create index "service_log_created_at_index" on "service_log" ("created_at");`);

    this.addSql(`create table "websocket_connection" ("id" varchar(64) not null, "type" text not null, "reference_id" varchar(128) not null, "status" text not null, "last_ping_at" timestamptz null, "error_message" text null, "metadata" jsonb null, "auto_reconnect" boolean not null default true, "user_id" varchar(128) null, "tenant" varchar(128) null, "roles" jsonb null, "ip" varchar(64) null, "user_agent" varchar(512) null, "origin" varchar(512) null, "instance_id" varchar(128) null, "connected_at" timestamptz null, "authenticated_at" timestamptz null, "disconnected_at" timestamptz null, "close_code" int null, "close_reason" varchar(256) null, "messages_in" bigint not null default '0', "messages_out" bigint not null default '0', "subscriptions" jsonb null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "websocket_connection_status_index" on "websocket_connection" ("status", "created_at");`);
    this.addSql(`create index "websocket_connection_tenant_status_index" on "websocket_connection" ("tenant", "status", "created_at");`);
    this.addSql(`create index "websocket_connection_tenant_user_index" on "websocket_connection" ("tenant", "user_id");`);
    this.addSql(`create index "websocket_connection_created_at_index" on "websocket_connection" ("created_at");`);
    this.addSql(`alter table "websocket_connection" add constraint "websocket_connection_type_reference_id_unique" unique ("type", "reference_id");`);

    this.addSql(`create table "websocket_log" ("id" bigserial primary key, "connection_id" varchar(64) null, "tenant" varchar(128) null, "event_type" text not null, "level" text not null default 'info', "message" text null, "error_details" text null, "metadata" jsonb null, "response_time" int null, "data_size" int null, "actor" varchar(128) null, "ip" varchar(64) null, "user_agent" varchar(512) null, "created_at" timestamptz not null);`);
    this.addSql(`create index "websocket_log_created_at_index" on "websocket_log" ("created_at", "id");`);
    this.addSql(`create index "websocket_log_connection_index" on "websocket_log" ("connection_id", "id");`);
    this.addSql(`create index "websocket_log_tenant_index" on "websocket_log" ("tenant", "id");`);
    this.addSql(`create index "websocket_log_event_type_index" on "websocket_log" ("event_type", "id");`);
    this.addSql(`create index "websocket_log_level_index" on "websocket_log" ("level", "id");`);

    this.addSql(`alter table "notification" add constraint "notification_type_check" check ("type" in ('info', 'success', 'warning', 'error', 'action_required'));`);
    this.addSql(`alter table "notification" add constraint "notification_category_check" check ("category" in ('event', 'user', 'resource', 'reservation', 'limit', 'error', 'system'));`);

    this.addSql(`alter table "service_log" add constraint "service_log_level_check" check ("level" in ('debug', 'info', 'warning', 'error'));`);

    this.addSql(`alter table "websocket_connection" add constraint "websocket_connection_type_check" check ("type" in ('CLIENT', 'SHELLY', 'SOCKET_IO', 'CUSTOM', 'TEST'));`);
    this.addSql(`alter table "websocket_connection" add constraint "websocket_connection_status_check" check ("status" in ('connected', 'disconnected', 'error', 'reconnecting'));`);

    this.addSql(`alter table "websocket_log" add constraint "websocket_log_event_type_check" check ("event_type" in ('connect', 'disconnect', 'error', 'message', 'action'));`);
    this.addSql(`alter table "websocket_log" add constraint "websocket_log_level_check" check ("level" in ('debug', 'info', 'warning', 'error'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "channel_message" cascade;`);
    this.addSql(`drop table if exists "channel_stream" cascade;`);
    this.addSql(`drop table if exists "notification" cascade;`);
    this.addSql(`drop table if exists "service_log" cascade;`);
    this.addSql(`drop table if exists "websocket_connection" cascade;`);
    this.addSql(`drop table if exists "websocket_log" cascade;`);
  }

}
