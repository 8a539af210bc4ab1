import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { PlatformConfig } from '../../lib/config/types';
import { allStacks } from '../../lib/platform';
import { nagViolations, synthesize } from './platform';

/**
 * Templates of a configuration, synthesized once per test run and shared by every test file
 * (jest workers each have their own module registry, so an in-memory cache would synthesize the
 * same configuration in every file). The run's global setup names a fresh directory in
 * PLATFORM_TEMPLATE_CACHE; the first file that asks for a configuration writes it there.
 */

export const TEMPLATE_CACHE_ENV = 'PLATFORM_TEMPLATE_CACHE';

interface CachedStack {
  readonly name: string;
  readonly region: string;
  readonly template: unknown;
  readonly dependencies: readonly string[];
}

interface CachedPlatform {
  readonly config: PlatformConfig;
  readonly globalData: string;
  readonly trafficControl: string;
  readonly networks: readonly string[];
  readonly regional: readonly string[];
  readonly stacks: readonly CachedStack[];
}

export interface StackTemplate {
  readonly name: string;
  readonly region: string;
  readonly template: Template;
  /** Names of the stacks this one depends on (deploys after). */
  readonly dependencies: readonly string[];
}

export interface PlatformTemplates {
  readonly config: PlatformConfig;
  readonly globalData: Template;
  readonly trafficControl: Template;
  /** Deployment order: the primary Region first. */
  readonly networks: readonly Template[];
  /** Deployment order: the primary Region first. */
  readonly regional: readonly Template[];
  /** The regional stacks with their names and Regions, in deployment order. */
  readonly regionalStacks: readonly StackTemplate[];
  /** Every stack, in the order `allStacks` gives. */
  readonly all: readonly StackTemplate[];
}

const inMemory = new Map<string, PlatformTemplates>();

function cacheFile(kind: string, input: Record<string, unknown>): string | undefined {
  const directory = process.env[TEMPLATE_CACHE_ENV];
  if (directory === undefined) return undefined;
  const key = createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 24);
  return path.join(directory, `${kind}-${key}.json`);
}

function writeShared(file: string | undefined, value: unknown): void {
  if (file === undefined) return;
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(value));
  fs.renameSync(temporary, file);
}

function readShared<T>(file: string | undefined): T | undefined {
  return file !== undefined && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : undefined;
}

function synthesizeForCache(input: Record<string, unknown>): CachedPlatform {
  const { app, config, platform } = synthesize(input);
  const assembly = app.synth();
  const name = (stack: { stackName: string }) => stack.stackName;
  return {
    config,
    globalData: name(platform.globalData),
    trafficControl: name(platform.trafficControl),
    networks: platform.networks.map(name),
    regional: platform.regional.map(name),
    stacks: allStacks(platform).map((stack) => ({
      name: stack.stackName,
      region: stack.region,
      template: assembly.getStackArtifact(stack.artifactId).template as unknown,
      dependencies: stack.dependencies.map(name).sort(),
    })),
  };
}

/** The platform's templates for a raw configuration (account 123456789012 added, as `synthesize` does). */
export function platformTemplates(input: Record<string, unknown> = {}): PlatformTemplates {
  const memoKey = JSON.stringify(input);
  const memo = inMemory.get(memoKey);
  if (memo !== undefined) return memo;
  const file = cacheFile('templates', input);
  let cached = readShared<CachedPlatform>(file);
  if (cached === undefined) {
    cached = synthesizeForCache(input);
    writeShared(file, cached);
  }
  const all = cached.stacks.map((stack) => ({ ...stack, template: Template.fromJSON(stack.template as Record<string, unknown>) }));
  const byName = new Map(all.map((stack) => [stack.name, stack.template]));
  const get = (stackName: string) => byName.get(stackName)!;
  const result: PlatformTemplates = {
    config: cached.config,
    globalData: get(cached.globalData),
    trafficControl: get(cached.trafficControl),
    networks: cached.networks.map(get),
    regional: cached.regional.map(get),
    regionalStacks: cached.regional.map((stackName) => all.find((stack) => stack.name === stackName)!),
    all,
  };
  inMemory.set(memoKey, result);
  return result;
}

/** cdk-nag AwsSolutions findings that are not acknowledged, shared across test files like the templates. */
export function sharedNagViolations(input: Record<string, unknown> = {}): string[] {
  const file = cacheFile('nag', input);
  let findings = readShared<string[]>(file);
  if (findings === undefined) {
    findings = nagViolations(synthesize(input).app);
    writeShared(file, findings);
  }
  return findings;
}
