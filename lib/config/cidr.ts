/** IPv4 CIDR arithmetic for the per-Region address plan (no dependencies, integer maths). */

export interface Cidr {
  readonly network: number; // unsigned 32-bit network address
  readonly prefix: number;
}

const CIDR_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns an error message instead of throwing so validation can collect it. */
export function parseCidr(text: string): Cidr | string {
  const match = CIDR_PATTERN.exec(text);
  if (!match) {
    return 'must be an IPv4 CIDR such as 10.64.0.0/16';
  }
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) {
    return 'has an octet above 255 or a prefix above 32';
  }
  const address = octets.reduce((acc, octet) => acc * 256 + octet, 0);
  const network = prefix === 0 ? 0 : address - (address % 2 ** (32 - prefix));
  if (network !== address) {
    return `is not a network address (host bits set; did you mean ${formatCidr({ network, prefix })}?)`;
  }
  return { network, prefix };
}

export function formatCidr(cidr: Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(cidr.network / 2 ** shift) % 256);
  return `${octets.join('.')}/${cidr.prefix}`;
}

export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const aEnd = a.network + cidrSize(a);
  const bEnd = b.network + cidrSize(b);
  return a.network < bEnd && b.network < aEnd;
}

/** The `index`-th block of the given prefix inside `parent`, or undefined if it does not fit. */
export function subdivide(parent: Cidr, prefix: number, index: number): Cidr | undefined {
  if (prefix < parent.prefix) {
    return undefined;
  }
  const count = 2 ** (prefix - parent.prefix);
  if (index < 0 || index >= count) {
    return undefined;
  }
  return { network: parent.network + index * 2 ** (32 - prefix), prefix };
}

/** RFC 1918 private ranges: VPC ranges must come from these. */
export const PRIVATE_RANGES: readonly Cidr[] = [
  { network: 10 * 2 ** 24, prefix: 8 },
  { network: 172 * 2 ** 24 + 16 * 2 ** 16, prefix: 12 },
  { network: 192 * 2 ** 24 + 168 * 2 ** 16, prefix: 16 },
];

export function isPrivate(cidr: Cidr): boolean {
  return PRIVATE_RANGES.some(
    (range) => cidr.prefix >= range.prefix && cidrsOverlap(range, cidr),
  );
}
