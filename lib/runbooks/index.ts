export { RegionalRunbooks } from './runbooks';
export type { RegionalRunbooksProps, RunbookDocumentNames, RunbookFunctions, RunbookGlobalDatabase } from './runbooks';
export { STEP } from './documents';
