import type { PlatformConfig } from '../config/types';
import type { DatabaseName } from '../topology/topology';

/**
 * Where each service's database traffic goes, per Region, and which cross-Region network paths
 * that leaves. One place decides it; the members, the peering and the docs follow.
 *
 * - catalog reads its own Region's member through the reader endpoint, in every Region and in
 *   both roles (a secondary's cluster endpoint is inactive; the reader endpoint answers in both).
 *   Its start-up writes (schema, seed) reach the writer only in the Region that creates the
 *   global database, at the first start (readers are created after the services there); elsewhere
 *   they fail and the image ignores them. No write forwarding: Aurora MySQL forwards nothing.
 * - orders, `forwarding`: the same local reader endpoint; Aurora forwards its writes (global write
 *   forwarding in a secondary, local write forwarding to the writer's own instance in the writer's
 *   Region). After a failover or switchover the promoted member takes them directly.
 * - orders, `global-writer`: the global writer endpoint from every Region, over VPC peering.
 * - The master secrets rotate in the primary Region (Secrets Manager rotates a replicated secret
 *   only in its primary Region) against the global writer endpoint, wherever the writer is: the
 *   only cross-Region client in `forwarding` mode. Every other member admits the primary Region's
 *   application subnets (where the rotation functions run), nothing else from outside its Region.
 */
export interface MemberRouting {
  readonly serviceEndpoint: 'local-reader' | 'global-writer';
  readonly writeForwarding: boolean;
  readonly remoteClients: { readonly cidrs: readonly string[]; readonly description: string };
}

export function memberRouting(config: PlatformConfig, region: string, database: DatabaseName): MemberRouting {
  const others = config.regions.filter((plan) => plan.region !== region);
  if (database === 'orders' && config.database.ordersRouting === 'global-writer') {
    return {
      serviceEndpoint: 'global-writer',
      writeForwarding: false,
      remoteClients: {
        cidrs: others.flatMap((plan) => plan.applicationSubnetCidrs),
        description: 'the application subnets of peered Regions (orders through the global writer endpoint, master secret rotation)',
      },
    };
  }
  const rotationRegion = region === config.primaryRegion ? [] : others.filter((plan) => plan.region === config.primaryRegion);
  return {
    serviceEndpoint: 'local-reader',
    writeForwarding: database === 'orders',
    remoteClients: {
      cidrs: rotationRegion.flatMap((plan) => plan.applicationSubnetCidrs),
      description: `the master secret rotation in ${config.primaryRegion} (its application subnets)`,
    },
  };
}

/** Subnet groups whose route tables carry a peering route (names as in lib/network/network.ts). */
export type RoutedGroup = 'application' | 'data';

/** One VPC peering connection: requested by `requester` (the later Region), accepted by `accepter`. */
export interface PeeringLink {
  readonly requester: string;
  readonly accepter: string;
  /** Route tables on each side that route to the other VPC. */
  readonly requesterGroups: readonly RoutedGroup[];
  readonly accepterGroups: readonly RoutedGroup[];
}

/**
 * The VPC peering the routing needs, in deployment order (`ordered`: the primary first).
 * `forwarding`: a star from the primary Region, routed only between its application subnets
 * (rotation) and the other Regions' data subnets. `global-writer`: a full mesh, application and
 * data subnets on both sides (any Region's orders reach the writer in any Region).
 */
export function peeringLinks(config: PlatformConfig, ordered: readonly string[]): PeeringLink[] {
  const links: PeeringLink[] = [];
  ordered.forEach((requester, index) => {
    for (const accepter of ordered.slice(0, index)) {
      if (config.database.ordersRouting === 'global-writer') {
        links.push({ requester, accepter, requesterGroups: ['application', 'data'], accepterGroups: ['application', 'data'] });
      } else if (accepter === config.primaryRegion) {
        links.push({ requester, accepter, requesterGroups: ['data'], accepterGroups: ['application'] });
      }
    }
  });
  return links;
}
