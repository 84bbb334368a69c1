/**
 * contracts/console: the console API (`/v1/console/…`, served by the
 * gateway) as it crosses the wire to the web console. Types only: the
 * console imports them with `import type`, so nothing of them reaches its bundle.
 */
export type { WorkflowOutlineStep, WorkflowOutline, ConsoleSkillView, ConsoleInstanceView, HealthPoint, ConsoleAgentView, ConsoleAgentDetail, ConsoleAgentList } from './agents.js';
export type { ConsoleSession, ActAsAnswer, LowBalanceState, LowBalanceAnswer, MetricsPoint, ConsoleRole, ConsoleOverview, TrafficHour, TenantTraffic } from './overview.js';
export type { ConsoleTaskRow, ConsoleTaskFrame } from './tasks.js';
