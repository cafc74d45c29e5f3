import { Migration } from '@mikro-orm/migrations';

export class Migration20261123102201_devices extends Migration {

  override name = 'Migration20261123102201_devices';

  override up(): void | Promise<void> {
    this.addSql(`create table "device" ("id" varchar(64) not null, "tenant" varchar(128) not null, "source" text not null, "external_id" varchar(128) not null, "upstream_id" varchar(64) null, "name" varchar(256) not null, "model" varchar(128) null, "generation" int null, "approval" text not null, "online" boolean not null default false, "relay_on" boolean null, "current_power" double precision null, "voltage" double precision null, "current" double precision null, "temperature" double precision null, "total_energy" double precision null, "last_seen_at" timestamptz null, "equipment_id" varchar(128) null, "equipment_name" varchar(256) null, "appointment_only_mode" boolean not null default false, "state_seq" bigint not null default '0', "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "device_tenant_online_index" on "device" ("tenant", "online");`);
    this.addSql(`create index "device_upstream_id_index" on "device" ("upstream_id");`);
    this.addSql(`alter table "device" add constraint "device_tenant_source_external_id_unique" unique ("tenant", "source", "external_id");`);

    this.addSql(`create table "device_enrolment_token" ("id" varchar(32) not null, "tenant" varchar(128) not null, "token_hash" varchar(64) not null, "label" varchar(128) null, "created_by" varchar(128) not null, "created_at" timestamptz not null, "expires_at" timestamptz null, "revoked_at" timestamptz null, "last_used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "device_enrolment_token" add constraint "device_enrolment_token_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "device_enrolment_token_tenant_index" on "device_enrolment_token" ("tenant", "created_at");`);

    this.addSql(`create table "device_tenant_settings" ("tenant" varchar(128) not null, "auto_admit" boolean not null, "updated_by" varchar(128) not null, "updated_at" timestamptz not null, primary key ("tenant"));`);

    this.addSql(`create table "shelly_cloud_account" ("id" varchar(32) not null, "tenant" varchar(128) not null, "name" varchar(128) not null, "host" varchar(512) not null, "sealed_token" text not null, "created_by" varchar(128) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "shelly_cloud_account_tenant_index" on "shelly_cloud_account" ("tenant");`);

    this.addSql(`alter table "device" add constraint "device_source_check" check ("source" in ('direct', 'cloud'));`);
    this.addSql(`alter table "device" add constraint "device_approval_check" check ("approval" in ('pending', 'approved', 'rejected'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "device" cascade;`);
    this.addSql(`drop table if exists "device_enrolment_token" cascade;`);
    this.addSql(`drop table if exists "device_tenant_settings" cascade;`);
    this.addSql(`drop table if exists "shelly_cloud_account" cascade;`);
  }

}
