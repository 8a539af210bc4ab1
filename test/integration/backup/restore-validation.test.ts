/**
 * The restore tests' validation SQL (lib/backup/runtime/row-counts.ts) against the loopback
 * PostgreSQL and MariaDB servers of test/integration/setup, with the retail sample's tables: the
 * catalog's (MySQL) and the orders service's (PostgreSQL, with Flyway's history table). The login
 * is an ordinary user owning (PostgreSQL) or granted (MySQL) the database, as Aurora's master
 * user is, not the servers' superuser.
 *
 * A restored cluster and the live writer hold a database of the same name; one server holds one,
 * so each side's state is written just before that side is counted.
 */
import { BackupClient, DescribeRestoreJobCommand, PutRestoreValidationResultCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Client as PgClient } from 'pg';
import { compareCounts, countRows, type CountTarget, type TableCounts } from '../../../lib/backup/runtime/row-counts';
import { validateRestoreJob, type ValidationSettings } from '../../../lib/backup/runtime/validate';
import { CATALOG_ENGINE, ORDERS_ENGINE } from '../../../lib/data/engines';
import { adminExec, recreateDatabase, type ServerInfo } from '../setup/servers';
import { readState } from '../setup/state';

jest.setTimeout(60_000);

const LOGIN_PASSWORD = 'Master-Pass_1';
const TOLERANCE_PERCENT = 5;

/** Rows per table of one side; an absent table is not created. */
type State = Readonly<Record<string, number>>;

interface Store {
  readonly name: string;
  readonly engine: CountTarget['engine'];
  readonly database: string;
  readonly login: string;
  /** The schema part of the counts' keys. */
  readonly schema: string;
  readonly server: () => ServerInfo;
  readonly createLogin: (info: ServerInfo) => Promise<void>;
  readonly dropLogin: (info: ServerInfo) => Promise<void>;
  /** Recreates the database holding `state`, as the login's. */
  readonly write: (info: ServerInfo, state: State) => Promise<void>;
  /** The live store: the restore's backup plus what was written since (within the tolerance). */
  readonly live: State;
  /** A good restore: the backup of a little while ago. */
  readonly restored: State;
  /** The table emptied or dropped in the bad restores. */
  readonly lostTable: string;
  /** The engine's error for a database that is not there. */
  readonly noDatabase: RegExp;
}

const values = (n: number, row: (i: number) => string): string => Array.from({ length: n }, (_, index) => row(index + 1)).join(', ');

/** The catalog's tables: products, tags and the tags of each product (no primary key). */
function catalogStatements(state: State): string[] {
  const statements: string[] = [];
  const products = state.product;
  const tags = state.tag;
  if (products !== undefined) {
    statements.push('CREATE TABLE product (product_id varchar(40) NOT NULL PRIMARY KEY, name varchar(20), description varchar(200), price int, count int, image_url varchar(40)) ENGINE=InnoDB');
    if (products > 0) statements.push(`INSERT INTO product VALUES ${values(products, (i) => `('p-${i}', 'Watch ${i}', 'A watch', ${100 + i}, ${i}, '/assets/w${i}.jpg')`)}`);
  }
  if (tags !== undefined) {
    statements.push('CREATE TABLE tag (tag_id mediumint NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(20), display_name varchar(20)) ENGINE=InnoDB');
    if (tags > 0) statements.push(`INSERT INTO tag (name, display_name) VALUES ${values(tags, (i) => `('t${i}', 'Tag ${i}')`)}`);
  }
  const productTags = state.product_tag;
  if (productTags !== undefined) {
    statements.push('CREATE TABLE product_tag (product_id varchar(40), tag_id mediumint NOT NULL, FOREIGN KEY (product_id) REFERENCES product (product_id), FOREIGN KEY (tag_id) REFERENCES tag (tag_id)) ENGINE=InnoDB');
    if (productTags > 0) statements.push(`INSERT INTO product_tag VALUES ${values(productTags, (i) => `('p-${(i % (products ?? 1)) + 1}', ${(i % (tags ?? 1)) + 1})`)}`);
  }
  return statements;
}

/** The orders service's tables (its Flyway migration) and Flyway's own history table. */
function ordersStatements(state: State): string[] {
  const statements: string[] = [];
  const orders = state.orders;
  if (state.flyway_schema_history !== undefined) {
    statements.push('CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL, script varchar(1000) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(), success boolean NOT NULL)');
    if (state.flyway_schema_history > 0) statements.push(`INSERT INTO flyway_schema_history (installed_rank, version, description, script, success) VALUES ${values(state.flyway_schema_history, (i) => `(${i}, '${i}', 'migration ${i}', 'V${i}__m.sql', true)`)}`);
  }
  if (orders !== undefined) {
    statements.push('CREATE TABLE orders (id varchar(255) NOT NULL PRIMARY KEY, created_date timestamp)');
    if (orders > 0) statements.push(`INSERT INTO orders VALUES ${values(orders, (i) => `('o-${i}', now())`)}`);
  }
  const items = state.order_items;
  if (items !== undefined) {
    statements.push('CREATE TABLE order_items (product_id varchar(255) NOT NULL, quantity int, unit_cost int, total_cost int, order_id varchar(255) REFERENCES orders (id))');
    if (items > 0) statements.push(`INSERT INTO order_items VALUES ${values(items, (i) => `('p-${i}', 2, 50, 100, 'o-${(i % (orders ?? 1)) + 1}')`)}`);
  }
  const addresses = state.shipping_addresses;
  if (addresses !== undefined) {
    statements.push('CREATE TABLE shipping_addresses (order_id varchar(255) PRIMARY KEY REFERENCES orders (id), first_name varchar(255) NOT NULL, last_name varchar(255) NOT NULL, email varchar(255) NOT NULL, address1 varchar(255) NOT NULL, address2 varchar(255), city varchar(255) NOT NULL, zip_code varchar(255) NOT NULL, state_id varchar(255) NOT NULL)');
    if (addresses > 0) statements.push(`INSERT INTO shipping_addresses VALUES ${values(addresses, (i) => `('o-${i}', 'Ann', 'Lee', 'ann@example.com', '1 Main St', NULL, 'Seattle', '98101', 'WA')`)}`);
  }
  return statements;
}

const catalog: Store = {
  name: 'catalog',
  engine: CATALOG_ENGINE.engine,
  database: CATALOG_ENGINE.databaseName,
  login: CATALOG_ENGINE.masterUsername,
  schema: CATALOG_ENGINE.databaseName,
  server: () => readState().mysql,
  createLogin: (info) => adminExec(info, [
    `DROP USER IF EXISTS '${CATALOG_ENGINE.masterUsername}'@'%'`,
    `CREATE USER '${CATALOG_ENGINE.masterUsername}'@'%' IDENTIFIED BY '${LOGIN_PASSWORD}'`,
    `GRANT ALL PRIVILEGES ON \`${CATALOG_ENGINE.databaseName}\`.* TO '${CATALOG_ENGINE.masterUsername}'@'%'`,
  ]),
  dropLogin: (info) => adminExec(info, [`DROP DATABASE IF EXISTS \`${CATALOG_ENGINE.databaseName}\``, `DROP USER IF EXISTS '${CATALOG_ENGINE.masterUsername}'@'%'`]),
  write: async (info, state) => {
    await recreateDatabase(info, CATALOG_ENGINE.databaseName);
    await adminExec(info, catalogStatements(state), CATALOG_ENGINE.databaseName);
  },
  live: { product: 60, tag: 4, product_tag: 90 },
  restored: { product: 58, tag: 4, product_tag: 87 },
  lostTable: 'product_tag',
  noDatabase: /Unknown database 'catalog'/,
};

const orders: Store = {
  name: 'orders',
  engine: ORDERS_ENGINE.engine,
  database: ORDERS_ENGINE.databaseName,
  login: ORDERS_ENGINE.masterUsername,
  schema: 'public',
  server: () => readState().postgres,
  createLogin: (info) => adminExec(info, [
    `DROP DATABASE IF EXISTS "${ORDERS_ENGINE.databaseName}" WITH (FORCE)`,
    `DROP ROLE IF EXISTS "${ORDERS_ENGINE.masterUsername}"`,
    `CREATE ROLE "${ORDERS_ENGINE.masterUsername}" LOGIN PASSWORD '${LOGIN_PASSWORD}'`,
  ]),
  dropLogin: (info) => adminExec(info, [`DROP DATABASE IF EXISTS "${ORDERS_ENGINE.databaseName}" WITH (FORCE)`, `DROP ROLE IF EXISTS "${ORDERS_ENGINE.masterUsername}"`]),
  write: async (info, state) => {
    await adminExec(info, [`DROP DATABASE IF EXISTS "${ORDERS_ENGINE.databaseName}" WITH (FORCE)`, `CREATE DATABASE "${ORDERS_ENGINE.databaseName}" OWNER "${ORDERS_ENGINE.masterUsername}"`]);
    // The tables belong to the login, as the services' migrations (run with the master secret) leave them.
    await adminExec(info, [`SET ROLE "${ORDERS_ENGINE.masterUsername}"`, ...ordersStatements(state)], ORDERS_ENGINE.databaseName);
  },
  live: { flyway_schema_history: 1, orders: 40, order_items: 100, shipping_addresses: 40 },
  restored: { flyway_schema_history: 1, orders: 39, order_items: 98, shipping_addresses: 39 },
  lostTable: 'order_items',
  noDatabase: /database "orders" does not exist/,
};

function target(store: Store): CountTarget {
  const info = store.server();
  return { engine: store.engine, host: info.host, port: info.port, database: store.database, username: store.login, password: LOGIN_PASSWORD, timeoutMs: 5_000, tls: false };
}

/** Writes `state`, then counts it with the validation's SQL. */
async function countsOf(store: Store, state: State): Promise<TableCounts> {
  await store.write(store.server(), state);
  return countRows(target(store));
}

const keyed = (store: Store, state: State): TableCounts => Object.fromEntries(Object.entries(state).map(([table, rows]) => [`${store.schema}.${table}`, rows]));
const without = (state: State, table: string): State => Object.fromEntries(Object.entries(state).filter(([name]) => name !== table));
const total = (state: State): number => Object.values(state).reduce((sum, n) => sum + n, 0);

describe.each([catalog, orders])('restore validation SQL on $engine ($name)', (store) => {
  beforeAll(async () => {
    await store.createLogin(store.server());
  });
  afterAll(async () => {
    await store.dropLogin(store.server());
  });

  test('counts exactly the rows of every table of the database, keyed schema.table', async () => {
    expect(await countsOf(store, store.live)).toEqual(keyed(store, store.live));
  });

  test('a good restore (the backup, a little behind the live store) passes within the tolerance', async () => {
    const restored = await countsOf(store, store.restored);
    const live = await countsOf(store, store.live);
    expect(compareCounts(restored, live, TOLERANCE_PERCENT)).toEqual({
      ok: true,
      message: `${Object.keys(store.live).length} table(s), restored ${total(store.restored)} rows, live ${total(store.live)} rows, tolerance ${TOLERANCE_PERCENT} %`,
    });
  });

  test('a restore with an empty table fails, naming the table and both counts', async () => {
    const restored = await countsOf(store, { ...store.restored, [store.lostTable]: 0 });
    const live = await countsOf(store, store.live);
    const comparison = compareCounts(restored, live, TOLERANCE_PERCENT);
    expect(comparison.ok).toBe(false);
    expect(comparison.message).toMatch(new RegExp(`^${store.schema}\\.${store.lostTable}: restored 0, live ${store.live[store.lostTable]!} \\(100\\.0 % apart\\) — `));
  });

  test('a restore that lost a table fails, naming the table', async () => {
    const restored = await countsOf(store, without(store.restored, store.lostTable));
    expect(Object.keys(restored)).not.toContain(`${store.schema}.${store.lostTable}`);
    const live = await countsOf(store, store.live);
    const comparison = compareCounts(restored, live, TOLERANCE_PERCENT);
    expect(comparison.ok).toBe(false);
    expect(comparison.message).toMatch(new RegExp(`^${store.schema}\\.${store.lostTable}: missing in the restore \\(live ${store.live[store.lostTable]!}\\) — `));
  });

  test('a restore without the database (an empty cluster) is refused by the server, saying so', async () => {
    await store.dropLogin(store.server());
    await store.createLogin(store.server());
    await expect(countRows(target(store))).rejects.toThrow(store.noDatabase);
  });
});

describe.each([catalog, orders])('a restore job of $name validated end to end (AWS mocked, SQL real)', (store) => {
  const backup = mockClient(BackupClient);
  const rds = mockClient(RDSClient);
  const secrets = mockClient(SecretsManagerClient);
  const cloudwatch = mockClient(CloudWatchClient);
  const SOURCE = `arn:aws:rds:us-west-2:123456789012:cluster:retail-${store.name}-us-west-2`;
  const SECRET = `arn:aws:secretsmanager:us-west-2:123456789012:secret:${store.name}-AbCdEf`;
  const RESTORED_ENDPOINT = 'awsbackup-restore-test-1.cluster-x.us-west-2.rds.amazonaws.com';
  const LIVE_ENDPOINT = `retail-${store.name}.global-x.global.rds.amazonaws.com`;
  const settings: ValidationSettings = {
    restoreTestingPlanName: 'retail_restore_tests',
    tolerancePercent: TOLERANCE_PERCENT,
    stores: [{ name: store.name, kind: 'aurora', sourceArn: SOURCE, engine: store.engine, databaseName: store.database, secretArn: SECRET }],
    metricNamespace: 'Retail/Platform',
    region: 'us-west-2',
    sqlTimeoutMs: 5_000,
    budgetMs: 30_000,
  };

  beforeAll(async () => {
    await store.createLogin(store.server());
  });
  afterAll(async () => {
    await store.dropLogin(store.server());
    for (const mock of [backup, rds, secrets, cloudwatch]) mock.restore();
  });
  beforeEach(() => {
    for (const mock of [backup, rds, secrets, cloudwatch]) mock.reset();
    backup.on(DescribeRestoreJobCommand).resolves({
      RestoreJobId: 'job-1', Status: 'COMPLETED', SourceResourceArn: SOURCE,
      CreatedResourceArn: 'arn:aws:rds:us-west-2:123456789012:cluster:awsbackup-restore-test-1',
      CreatedBy: { RestoreTestingPlanArn: 'arn:aws:backup:us-west-2:123456789012:restore-testing-plan:retail_restore_tests-1a2b' },
    });
    backup.on(PutRestoreValidationResultCommand).resolves({});
    cloudwatch.on(PutMetricDataCommand).resolves({});
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ Endpoint: RESTORED_ENDPOINT, Port: store.server().port, DBClusterMembers: [{ DBInstanceIdentifier: 'i-1' }] }] });
    secrets.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: JSON.stringify({ host: LIVE_ENDPOINT, port: store.server().port, username: store.login, password: LOGIN_PASSWORD }) });
  });

  /** Runs the validation; each endpoint is the loopback server holding that side's state when counted. */
  async function validate(restored: State | 'no database'): Promise<{ status: string | undefined; message: string | undefined }> {
    const info = store.server();
    const counted: string[] = [];
    await validateRestoreJob({
      backup: new BackupClient({ region: 'us-west-2' }),
      rds: new RDSClient({ region: 'us-west-2' }),
      dynamodb: new DynamoDBClient({ region: 'us-west-2' }),
      secrets: new SecretsManagerClient({ region: 'us-west-2' }),
      cloudwatch: new CloudWatchClient({ region: 'us-west-2' }),
      countRows: async (side) => {
        counted.push(side.host);
        const state = side.host === RESTORED_ENDPOINT ? restored : store.live;
        if (state === 'no database') {
          await store.dropLogin(info);
          await store.createLogin(info);
        } else {
          await store.write(info, state);
        }
        // Aurora requires TLS; the loopback servers have no certificates.
        return countRows({ ...side, host: info.host, tls: false });
      },
      now: () => Date.now(),
    }, settings, 'job-1');
    const calls = backup.commandCalls(PutRestoreValidationResultCommand);
    expect(calls).toHaveLength(1);
    return { status: calls[0]!.args[0].input.ValidationStatus, message: calls[0]!.args[0].input.ValidationStatusMessage };
  }

  test('a good restore is reported SUCCESSFUL', async () => {
    expect(await validate(store.restored)).toEqual({
      status: 'SUCCESSFUL',
      message: `${Object.keys(store.live).length} table(s), restored ${total(store.restored)} rows, live ${total(store.live)} rows, tolerance ${TOLERANCE_PERCENT} %`,
    });
  });

  test('a restore with an empty table is reported FAILED, naming the table', async () => {
    const outcome = await validate({ ...store.restored, [store.lostTable]: 0 });
    expect(outcome).toEqual({ status: 'FAILED', message: expect.stringMatching(new RegExp(`^${store.schema}\\.${store.lostTable}: restored 0, live \\d+ \\(100\\.0 % apart\\)`)) });
  });

  test('a restore without the database is reported FAILED with the server\'s words', async () => {
    const outcome = await validate('no database');
    expect(outcome).toEqual({ status: 'FAILED', message: expect.stringMatching(new RegExp(`^validation could not run: restored cluster awsbackup-restore-test-1: .*${store.noDatabase.source}`)) });
  });
});

describe('PostgreSQL: a table the login may not read', () => {
  beforeAll(async () => {
    await orders.createLogin(orders.server());
  });
  afterAll(async () => {
    await orders.dropLogin(orders.server());
  });

  test('fails the count, naming the table, instead of dropping out of both sides unnoticed', async () => {
    const info = orders.server();
    await orders.write(info, orders.live);
    // Created by another role (here the superuser) without a grant to the master user.
    await adminExec(info, ['CREATE TABLE audit_log (id int)', 'INSERT INTO audit_log VALUES (1)'], orders.database);
    await expect(countRows(target(orders))).rejects.toThrow('permission denied for table audit_log');
    await adminExec(info, [`GRANT SELECT ON audit_log TO "${orders.login}"`], orders.database);
    expect(await countRows(target(orders))).toEqual({ ...keyed(orders, orders.live), 'public.audit_log': 1 });
  });

  test('temporary tables of other sessions are not the store\'s', async () => {
    const info = orders.server();
    await orders.write(info, orders.live);
    const session = new PgClient({ host: info.host, port: info.port, user: orders.login, password: LOGIN_PASSWORD, database: orders.database });
    await session.connect();
    try {
      await session.query('CREATE TEMPORARY TABLE scratch (id int)');
      expect(await countRows(target(orders))).toEqual(keyed(orders, orders.live));
    } finally {
      await session.end();
    }
  });
});
