import type { OrdersRouting } from '../../../lib/config/types';
import type { GlobalDatabaseModel, World } from './global-database';

/**
 * What a customer can do through one Region's store, given the world (which Regions are
 * reachable) and where each global database writes. It encodes the platform's routing
 * (lib/data/routing.ts):
 *
 * - browse: ui + catalog, which reads its own Region's member (reader endpoint);
 * - carts: the Region's own DynamoDB replica (global table, multi-writer);
 * - checkout: orders places the order. `forwarding`: its own member, whose writes Aurora forwards
 *   to the writer (so the writer must be up, wherever it is; a promoted member takes them
 *   directly). `global-writer`: the global writer endpoint, wherever the writer is.
 */
export interface Capabilities {
  readonly browse: boolean;
  readonly carts: boolean;
  readonly checkout: boolean;
}

export interface StoreDatabases {
  readonly catalog: GlobalDatabaseModel;
  readonly orders: GlobalDatabaseModel;
}

export function whatWorksIn(world: World, databases: StoreDatabases, region: string, routing: OrdersRouting): Capabilities {
  if (!world.reachable(region)) {
    return { browse: false, carts: false, checkout: false };
  }
  const writerUp = databases.orders.writerRegion() !== undefined;
  const checkout = routing === 'forwarding' ? writerUp && databases.orders.readableIn(region) : writerUp;
  return { browse: databases.catalog.readableIn(region), carts: true, checkout };
}

/** One line of the operator guide's table: ✔ or ✘ per capability. */
export function describeCapabilities(capabilities: Capabilities): string {
  const mark = (ok: boolean) => (ok ? '✔' : '✘');
  return `browse ${mark(capabilities.browse)}, carts ${mark(capabilities.carts)}, checkout ${mark(capabilities.checkout)}`;
}
