import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The README opens with the monthly minimum per profile and the ARC cluster's share; those figures
 * must be the ones of the `npm run -s cost` output the README's Cost section holds.
 */

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

function dollars(text: string): number {
  return Number(text.replace(/[$,]/g, ''));
}

function tableTotal(configuration: string): number {
  const row = new RegExp(`^\\| ${configuration.replace(/[()]/g, '\\$&')} \\| (\\$[0-9,.]+) \\|$`, 'm').exec(readme);
  if (row === null) throw new Error(`no total row for ${configuration} in the README's cost table`);
  return dollars(row[1]);
}

describe('README cost line', () => {
  const opening = /\*\*Cost first:\*\* at list price the minimum is about \*\*(\$[0-9,]+)\/month for `dev` and (\$[0-9,]+)\/month for\s+`prod`\*\* \(two Regions\), and \*\*(\$[0-9,]+) of either is the ARC cluster\*\*/.exec(readme);

  test('comes before any other section and says how to share the ARC cluster', () => {
    expect(opening).not.toBeNull();
    expect(readme.indexOf('**Cost first:**')).toBeLessThan(readme.indexOf('\n## '));
    expect(readme.slice(readme.indexOf('**Cost first:**'), readme.indexOf('\n## '))).toContain('"arcClusterArn"');
  });

  test('matches the cost table: dev and prod minimum in two Regions, the ARC cluster\'s price', () => {
    const [, dev, prod, arc] = opening ?? [];
    expect(dollars(dev)).toBe(Math.round(tableTotal('dev, 2 Regions (us-east-1, us-west-2)')));
    expect(dollars(prod)).toBe(Math.round(tableTotal('prod, 2 Regions (us-east-1, us-west-2)')));
    const arcRows = [...readme.matchAll(/^\| Route 53 ARC cluster \| 1 × cluster \| .* \| (\$[0-9,.]+) \|$/gm)].map((m) => dollars(m[1]));
    expect(arcRows.length).toBe(4);
    expect(new Set(arcRows)).toEqual(new Set([dollars(arc)]));
  });
});
