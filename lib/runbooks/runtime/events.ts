import { InvalidInputError } from './errors';

/**
 * Helpers to read Lambda events built by SSM Automation `InputPayload` maps.
 * SSM substitutes `{{ Param }}` either with the parameter's native type or with its
 * string form depending on the action, so booleans and integers accept both.
 */

export type JsonRecord = Record<string, unknown>;

/** AWS commercial, GovCloud and China Region names (e.g. `us-east-1`, `us-gov-west-1`). */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown, what: string): JsonRecord {
  if (!isRecord(value)) {
    throw new InvalidInputError(`${what} must be a JSON object`);
  }
  return value;
}

export function readString(record: JsonRecord, key: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidInputError(`"${key}" is required and must be a non-empty string`);
  }
  return value.trim();
}

export function readRegion(record: JsonRecord, key: string): string {
  const value = readString(record, key);
  if (!REGION_PATTERN.test(value)) {
    throw new InvalidInputError(`"${key}" is not a Region name: ${value}`);
  }
  return value;
}

export function readBoolean(record: JsonRecord, key: string, fallback: boolean): boolean {
  const value = record[key];
  if (value === undefined || value === null || value === '') {
    return fallback;
  }
  if (typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'string') {
    const lowered = value.trim().toLowerCase();
    if (lowered === 'true') return true;
    if (lowered === 'false') return false;
  }
  throw new InvalidInputError(`"${key}" must be true or false, got ${JSON.stringify(value)}`);
}

export function readPositiveInteger(record: JsonRecord, key: string, fallback: number): number {
  const value = record[key];
  if (value === undefined || value === null || value === '') {
    return fallback;
  }
  const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new InvalidInputError(`"${key}" must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

export function readEnum<T extends string>(record: JsonRecord, key: string, allowed: readonly T[]): T {
  const value = readString(record, key);
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) {
    throw new InvalidInputError(`"${key}" must be one of ${allowed.join(', ')}, got ${value}`);
  }
  return match;
}

/**
 * Reads a previous step's output. SSM passes `{{ Step.Payload }}` as the JSON text the
 * Lambda returned; tests and direct invocations may pass the object itself.
 */
export function readJsonObject(record: JsonRecord, key: string): JsonRecord | undefined {
  const value = record[key];
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  if (isRecord(value)) {
    return value;
  }
  if (typeof value === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new InvalidInputError(`"${key}" is not valid JSON`);
    }
    return asRecord(parsed, `"${key}"`);
  }
  throw new InvalidInputError(`"${key}" must be a JSON object or its JSON text`);
}
