/** The only import path for api/ and workers/. */
export * from './domain/errors';
export * from './domain/types';
export { startPlatform, defaultEmbeddedDataDir, type DatabaseInfo, type Platform, type PlatformConfig } from './platform';
export { ProcessService, checkVariables, MAX_VARIABLES_BYTES, MAX_VARIABLES_DEPTH, MAX_VARIABLES_NODES } from './services/process-service';
export { jsonShape, type JsonShape } from './domain/json-shape';
export { seesAcross, readsCase, reachesTask, taskFacts, caseUnits, instanceUnits, actorReachesTask, CITY_UNIT, type TaskFacts, type ScopeActor } from './org/scope';
export { BPMN_TIMER_JOB } from './timers/timer-port';
export { isDuplicateKey, type Models } from './persistence/models';
export { MAX_DIAGRAM_BYTES } from './runtime/validate-definition';
export { seedAll, seedDemoUsers, DEMO_USERS } from './seed';
export { REJECT_REASONS, CaseService } from './cases/case-service';
export type { IntakeInput, HandedMaterial } from './cases/case-service';
export { SupervisionService, SIGNAL_JOB } from './supervision/supervision-service';
export * from './calendar';
export * from './stats';
export * from './outbox';
export { OpeningBody, OpeningHours, openingSpecOf } from './org/opening-hours';
export { ServiceJobs, INCIDENT_FILTERS, SERVICE_TASK_JOB, loadServiceJobConfig, type IncidentFilter, type IncidentView, type ServiceJobConfig } from './service-jobs';
