// What the CLI shows of a plan as plain text (a terminal without Ink, cron mail, `plan`), and the
// plan's own vocabulary it needs for that: the CLI reaches the planner only through the use cases.
export { formatCost, formatFileChanges, formatPlan, formatStep, usd, type OnEdit, type PlanStep, type ProjectCost } from '../plan/index.js';
