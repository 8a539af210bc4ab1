/**
 * Starts PostgreSQL (Debian package `postgresql`) and MariaDB (`mariadb-server`) on
 * loopback for the integration tests; global-teardown.ts stops them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startMariadb, startPostgres, stopServer } from './servers';
import type { ServerInfo } from './servers';
import { STATE_ENV } from './state';
import type { IntegrationState } from './state';

export default async function globalSetup(): Promise<void> {
  const started: ServerInfo[] = [];
  try {
    const [pg, my] = await Promise.allSettled([startPostgres(), startMariadb()]);
    if (pg.status === 'fulfilled') started.push(pg.value);
    if (my.status === 'fulfilled') started.push(my.value);
    if (pg.status === 'rejected') throw pg.reason;
    if (my.status === 'rejected') throw my.reason;
    const state: IntegrationState = { postgres: pg.value, mysql: my.value };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reconcile-it-'));
    const file = path.join(dir, 'servers.json');
    fs.writeFileSync(file, JSON.stringify(state, null, 2));
    process.env[STATE_ENV] = file;
  } catch (err) {
    // Nothing may outlive a failed setup: teardown does not run after it.
    await Promise.all(started.map((s) => stopServer(s)));
    throw err;
  }
}
