import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { ServiceName } from '../config/types';

/**
 * What each retail-store-sample image (1.6.2) needs to run with a read-only root file system,
 * read from the images' own sources (github.com/aws-containers/retail-store-sample-app, tag v1.6.2):
 *
 * - every `src/<service>/Dockerfile` ends with `useradd --uid 1000 --user-group appuser` and
 *   `USER appuser` (UID and GID 1000);
 * - the one path they write is `/tmp`: the JVM services (ui, carts, orders: Spring Boot, their
 *   `ENTRYPOINT java -jar`) put the embedded server's work directories and the JVM's perf data in
 *   `java.io.tmpdir`; catalog (Go) and checkout (Node.js) write no files, but their own Helm charts
 *   (`src/<service>/chart/templates/deployment.yaml`, with `values.yaml` setting
 *   `readOnlyRootFilesystem: true`, `runAsUser: 1000`) mount a scratch volume at `/tmp` for every
 *   service, and so do we.
 */
export const IMAGE_USER = '1000:1000';
export const WRITABLE_PATHS: Readonly<Record<ServiceName, readonly string[]>> = {
  ui: ['/tmp'],
  catalog: ['/tmp'],
  carts: ['/tmp'],
  checkout: ['/tmp'],
  orders: ['/tmp'],
};

/** Hard limit of the one-shot container that opens the scratch volumes to the image's user. */
export const INIT_CONTAINER_MEMORY_MIB = 32;
/** Left outside the application's hard limit for the Service Connect proxy ECS adds to the task. */
export const SERVICE_CONNECT_HEADROOM_MIB = 64;
export const INIT_CONTAINER_NAME = 'scratch-permissions';

/** The application container's hard memory limit inside a task of `taskMemoryMiB`. */
export function applicationMemoryLimitMiB(taskMemoryMiB: number): number {
  return taskMemoryMiB - INIT_CONTAINER_MEMORY_MIB - SERVICE_CONNECT_HEADROOM_MIB;
}

function volumeName(path: string): string {
  return `scratch${path.replace(/[^A-Za-z0-9]/g, '-')}`;
}

/**
 * Mounts a task volume (Fargate ephemeral storage) at each path the image writes and makes it
 * writable for the image's user. Fargate creates such bind mounts owned by root with mode 0755
 * unless the image declares the path as a `VOLUME` (these images do not: the Dockerfiles' only
 * `VOLUME /tmp` is in their build stage), so a one-shot container opens them (mode 1777, like
 * `/tmp` on any Linux host) before the application starts. It runs as root because only the
 * owner may change a directory's mode, with every Linux capability dropped, a read-only root
 * file system and no command but `chmod`.
 */
export function mountScratchVolumes(
  taskDefinition: ecs.TaskDefinition,
  app: ecs.ContainerDefinition,
  paths: readonly string[],
  image: ecs.ContainerImage,
  logging: ecs.LogDriver,
): void {
  for (const path of paths) {
    taskDefinition.addVolume({ name: volumeName(path) });
  }
  const linuxParameters = new ecs.LinuxParameters(taskDefinition, 'ScratchPermissionsLinux', { initProcessEnabled: false });
  linuxParameters.dropCapabilities(ecs.Capability.ALL);
  const init = taskDefinition.addContainer(INIT_CONTAINER_NAME, {
    image,
    essential: false,
    user: '0',
    readonlyRootFilesystem: true,
    memoryLimitMiB: INIT_CONTAINER_MEMORY_MIB,
    entryPoint: ['chmod', '1777', ...paths],
    linuxParameters,
    logging,
  });
  for (const container of [init, app]) {
    container.addMountPoints(...paths.map((path) => ({ sourceVolume: volumeName(path), containerPath: path, readOnly: false })));
  }
  app.addContainerDependencies({ container: init, condition: ecs.ContainerDependencyCondition.SUCCESS });
}
