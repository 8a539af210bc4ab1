/**
 * Stages the comparison task's image context AT SYNTH TIME: the TypeScript entry
 * (task/main.ts, with the engine, pg, mysql2 and the AWS SDK clients) bundled by esbuild
 * into one file, and a Dockerfile next to it. `cdk synth` only stages the directory as an
 * asset (no Docker needed); `cdk deploy` builds and pushes the image (Docker needed).
 */
import * as fs from 'fs';
import * as path from 'path';
import { bundle } from '../common/bundle';

export const TASK_ENTRY = path.join(__dirname, 'task', 'main.ts');
export const BASE_IMAGE = 'public.ecr.aws/docker/library/node:22-slim';
export const RDS_CA_BUNDLE_URL = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem';
/** Where the image keeps the CA bundle and where the task writes its report (the task's bind mount). */
export const IMAGE_CA_FILE = '/app/rds-ca.pem';
export const IMAGE_DATA_DIR = '/data';

export interface TaskImageOptions {
  /** Node's heap limit, below the task's memory so the process fails cleanly instead of being killed. */
  readonly maxOldSpaceMiB: number;
}

export function dockerfile(options: TaskImageOptions): string {
  return [
    '# Generated at synth time by lib/reconcile/restore-task-image.ts; built by `cdk deploy`.',
    `FROM ${BASE_IMAGE}`,
    'WORKDIR /app',
    '# The Amazon RDS CA bundle, fetched when the image is built: both connections verify the server against it.',
    `ADD ${RDS_CA_BUNDLE_URL} ${IMAGE_CA_FILE}`,
    'COPY task.js /app/task.js',
    '# ADD from a URL creates a root-only file; the task runs unprivileged. /data becomes the',
    '# task\'s bind mount (ECS copies the directory, with its owner, into the volume), so the',
    '# root file system can stay read-only.',
    `RUN chmod 0644 ${IMAGE_CA_FILE} /app/task.js && mkdir -p ${IMAGE_DATA_DIR} && chown node:node ${IMAGE_DATA_DIR}`,
    `ENV NODE_ENV=production NODE_OPTIONS=--max-old-space-size=${options.maxOldSpaceMiB} RDS_CA_FILE=${IMAGE_CA_FILE} OUT_DIR=${IMAGE_DATA_DIR}/report`,
    'USER node',
    `VOLUME ["${IMAGE_DATA_DIR}"]`,
    'ENTRYPOINT ["node", "/app/task.js"]',
    '',
  ].join('\n');
}

/**
 * Bundles the task (once per content, lib/common/bundle.ts) and writes it with the Dockerfile into
 * `directory`, emptied first. The construct
 * passes `<cloud assembly>/reconcile-task-<node.addr>`: one directory per construct and
 * assembly, so parallel synths (test workers) never share one, reruns overwrite it, and
 * nothing is left outside the assembly. The asset hash depends only on the content, so the
 * image is rebuilt only when the task or its Dockerfile changes.
 */
export function stageTaskImage(directory: string, options: TaskImageOptions): string {
  const task = bundle({
    entry: TASK_ENTRY,
    outputFile: 'task.js',
    target: 'node22',
    // pg's optional native binding is not installed; pg falls back to its JavaScript client.
    external: ['pg-native'],
  });
  fs.rmSync(directory, { recursive: true, force: true });
  fs.mkdirSync(directory, { recursive: true });
  fs.copyFileSync(path.join(task.directory, 'task.js'), path.join(directory, 'task.js'));
  fs.writeFileSync(path.join(directory, 'Dockerfile'), dockerfile(options));
  return directory;
}
