import { ShellyCloudAccount } from './cloud-account.entity.ts'
import { DeviceTenantSettings } from './device-settings.entity.ts'
import { Device } from './device.entity.ts'
import { DeviceEnrolmentToken } from './enrolment-token.entity.ts'

/** The devices module's tables (added to storage/entities.ts; migration Migration2026112312*_devices). */
export const DEVICE_ENTITIES = [Device, DeviceEnrolmentToken, DeviceTenantSettings, ShellyCloudAccount]

/** Table names, for tests that empty them. */
export const DEVICE_TABLES = ['device', 'device_enrolment_token', 'device_tenant_settings', 'shelly_cloud_account']
