/**
 * `customerio-resilience/testing`: a local Customer.io API emulator with fault injection, for
 * integration tests and outage rehearsals. Start one with {@link startCioEmulator}.
 *
 * @packageDocumentation
 */
export { startCioEmulator, EMULATOR_DEFAULTS } from './server.js';
export { isUlid } from './validate.js';
export type {
  AcceptedOperation,
  AuthState,
  CioApi,
  CioEmulator,
  CioEmulatorEvents,
  CioEmulatorOptions,
  DeliveredEvent,
  DeliveredEventKind,
  DeliveryRecord,
  DeviceRecord,
  FaultHandle,
  FaultMatch,
  FaultSpec,
  ObjectRecord,
  PipelinesMessage,
  PipelinesMessageType,
  PipelinesRejection,
  RecordedRequest,
  WaitOptions,
} from './types.js';
