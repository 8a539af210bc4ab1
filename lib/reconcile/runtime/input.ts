/**
 * Readers for the events SSM Automation builds from `InputPayload` maps. SSM passes a
 * document parameter either in its native type or as a string depending on the action,
 * so booleans and integers accept both. Errors are one line and name the field.
 */

export type JsonRecord = Record<string, unknown>;

/** A failure whose message is meant for the operator as is (SSM shows it as the step's reason). */
export class ReconcileStepError extends Error {
  constructor(message: string) {
    super(message.replace(/\s+/g, ' ').trim());
    this.name = 'ReconcileStepError';
  }
}

export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown, what: string): JsonRecord {
  if (!isRecord(value)) throw new ReconcileStepError(`${what} must be a JSON object`);
  return value;
}

export function readString(record: JsonRecord, key: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ReconcileStepError(`"${key}" is required and must be a non-empty string`);
  }
  return value.trim();
}

export function readOptionalString(record: JsonRecord, key: string): string | undefined {
  const value = record[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ReconcileStepError(`"${key}" must be a string`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function readBoolean(record: JsonRecord, key: string, fallback: boolean): boolean {
  const value = record[key];
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lowered = value.trim().toLowerCase();
    if (lowered === 'true') return true;
    if (lowered === 'false') return false;
  }
  throw new ReconcileStepError(`"${key}" must be true or false, got ${JSON.stringify(value)}`);
}

export function readInteger(record: JsonRecord, key: string): number | undefined {
  const value = record[key];
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(number)) throw new ReconcileStepError(`"${key}" must be an integer, got ${JSON.stringify(value)}`);
  return number;
}

export function readRegion(record: JsonRecord, key: string): string {
  const value = readString(record, key);
  if (!REGION_PATTERN.test(value)) throw new ReconcileStepError(`"${key}" is not a Region name: ${value}`);
  return value;
}

export function readEnum<T extends string>(record: JsonRecord, key: string, allowed: readonly T[]): T {
  const value = readString(record, key);
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) throw new ReconcileStepError(`"${key}" must be one of ${allowed.join(', ')}, got ${value}`);
  return match;
}

/**
 * The `{{ Step.Payload }}` of an earlier Lambda step: SSM hands it over as the JSON text
 * the function returned (sometimes already parsed); either way an object comes back.
 */
export function readPayload(record: JsonRecord, key: string): JsonRecord {
  const value = record[key];
  if (isRecord(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ReconcileStepError(`"${key}" is not the JSON output of the earlier step`);
    }
    return asRecord(parsed, `"${key}"`);
  }
  throw new ReconcileStepError(`"${key}" is required (the output of an earlier step)`);
}

/** The message of anything thrown, on one line. */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.replace(/\s+/g, ' ').trim();
}

/** The name of an AWS SDK error (service exceptions carry the API's error code there). */
export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
