/** Service and send tasks run as jobs (作业) and their incidents (事件/故障): see service-jobs.ts (running) and job-queue.ts (scheduling). */
export { ServiceJobs, INCIDENT_FILTERS, type IncidentFilter, type IncidentView, type RunOutcome } from './service-jobs';
export { ServiceJobQueue } from './job-queue';
export { platformJobHandlers, provincialFeedHandler, applicantNotificationHandler, type JobHandler, type JobContext } from './handlers';
export { loadServiceJobConfig, DEFAULT_SERVICE_JOB_CONFIG, type ServiceJobConfig, type SmsConfig } from './config';
export { SERVICE_TASK_JOB, JOB_TOPICS, KNOWN_JOB_TOPICS, serviceJobKey } from '../domain/service-jobs';
