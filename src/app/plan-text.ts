// What the CLI shows of a plan as plain text (a terminal without Ink, cron mail, `plan`), and the
// plan's own vocabulary it needs for that: the CLI reaches the planner only through the use cases.
export { formatFileChanges, formatPlan, formatStep, type OnEdit, type PlanStep } from '../plan/index.js';
