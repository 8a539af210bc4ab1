import { AssetManifestArtifact, CloudAssembly, NestedCloudAssemblyArtifact, type CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';

/** A CloudFormation template as JSON. */
export type CfnTemplate = Record<string, unknown>;

/** One stack of a synthesized cloud assembly, as the review needs it. */
export interface SynthesizedStack {
  readonly stackName: string;
  /** `aws://<account>/<region>`, as `cdk diff` prints it. */
  readonly environment: string;
  readonly template: CfnTemplate;
  /** Logical id -> construct path, from the assembly's metadata (the template's `aws:cdk:path` adds to it). */
  readonly logicalIdPaths: Readonly<Record<string, string>>;
}

export interface SynthesizedAssembly {
  /** In the assembly's order (which is the deployment order of the app). */
  readonly stacks: readonly SynthesizedStack[];
  /** Every file and image asset hash the assembly's asset manifests name. */
  readonly assetHashes: ReadonlySet<string>;
}

/** The same stack in two assemblies: same name, same account and Region. */
export function stackKey(stack: Pick<SynthesizedStack, 'stackName' | 'environment'>): string {
  return `${stack.stackName} ${stack.environment}`;
}

const LOGICAL_ID_METADATA = 'aws:cdk:logicalId';

/** Logical id -> `aws:cdk:path` metadata of each resource, as `cdk diff` reads it from both templates. */
export function templatePaths(template: CfnTemplate): Record<string, string> {
  const paths: Record<string, string> = {};
  const resources = (template.Resources ?? {}) as Record<string, { Metadata?: Record<string, unknown> } | undefined>;
  for (const [logicalId, resource] of Object.entries(resources)) {
    const path = resource?.Metadata?.['aws:cdk:path'];
    if (typeof path === 'string') paths[logicalId] = path;
  }
  return paths;
}

/**
 * Construct paths the way the CDK CLI's diff finds them: resource `aws:cdk:path` metadata first, then
 * the assembly's logical-id metadata for ids the template really has.
 */
function logicalIdPathsOf(stack: CloudFormationStackArtifact): Record<string, string> {
  const template = stack.template as CfnTemplate;
  const paths = templatePaths(template);
  const ownIds = new Set<string>();
  for (const section of ['Resources', 'Parameters', 'Conditions', 'Outputs', 'Rules', 'Mappings']) {
    for (const id of Object.keys((template[section] ?? {}) as object)) ownIds.add(id);
  }
  for (const entry of stack.findMetadataByType(LOGICAL_ID_METADATA)) {
    const logicalId = entry.data;
    if (typeof logicalId === 'string' && !(logicalId in paths) && ownIds.has(logicalId)) paths[logicalId] = entry.path;
  }
  return paths;
}

/** Hex hashes that name assets: manifest keys, S3 object keys without extension, image tags. */
function assetHashesOf(assembly: CloudAssembly, into: Set<string>): void {
  const add = (value: string | undefined): void => {
    if (value === undefined) return;
    const hash = value.replace(/\.[a-z]+$/, '');
    // Only long hex strings: a short or word-like tag ("latest") must never be treated as a hash.
    if (/^[0-9a-f]{32,}$/.test(hash)) into.add(hash);
  };
  for (const artifact of assembly.artifacts) {
    if (!AssetManifestArtifact.isAssetManifestArtifact(artifact)) continue;
    const contents = artifact.contents;
    for (const [id, file] of Object.entries(contents.files ?? {})) {
      add(id);
      for (const destination of Object.values(file.destinations)) add(destination.objectKey);
    }
    for (const [id, image] of Object.entries(contents.dockerImages ?? {})) {
      add(id);
      for (const destination of Object.values(image.destinations)) add(destination.imageTag);
    }
  }
}

/** Reads a cloud assembly directory (written by `cdk synth -o <dir>`), nested assemblies included. */
export function readAssembly(directory: string): SynthesizedAssembly {
  // The base may come from another aws-cdk-lib version: read what is there, do not refuse a schema version.
  const assembly = new CloudAssembly(directory, { skipVersionCheck: true });
  const assetHashes = new Set<string>();
  const visit = (current: CloudAssembly): void => {
    assetHashesOf(current, assetHashes);
    for (const artifact of current.artifacts) {
      if (NestedCloudAssemblyArtifact.isNestedCloudAssemblyArtifact(artifact)) visit(artifact.nestedAssembly);
    }
  };
  visit(assembly);
  const stacks = assembly.stacksRecursively.map((stack): SynthesizedStack => ({
    stackName: stack.stackName,
    environment: `aws://${stack.environment.account}/${stack.environment.region}`,
    template: stack.template as CfnTemplate,
    logicalIdPaths: logicalIdPathsOf(stack),
  }));
  return { stacks, assetHashes };
}
