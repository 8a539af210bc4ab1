import type { DatabaseView } from './reads';

export interface ChosenView {
  readonly view: DatabaseView;
  /** The Region whose RDS API described it. */
  readonly seenFrom: string;
  /** Why this view was chosen when the Regions do not agree, or the writer's Region did not answer. */
  readonly note?: string;
}

/**
 * Picks, among the views of one global database that Regions returned, the one to trust:
 * the view of the Region that reports ITSELF as the writer (the current writer's Region). A
 * Region that was cut off may still describe an old state; when two Regions each claim the
 * writer, the serving Region (routing control On, first in `preferred`) wins and the
 * disagreement is reported.
 */
export function chooseView(views: ReadonlyMap<string, DatabaseView>, preferred: readonly string[]): ChosenView | undefined {
  const order = [...views.keys()].sort((a, b) => rank(a, preferred) - rank(b, preferred));
  if (order.length === 0) return undefined;
  const claims = order.filter((region) => views.get(region)?.writerRegion === region);
  const seenFrom = claims[0] ?? order[0];
  const view = views.get(seenFrom) as DatabaseView;
  const disagreeing = order.filter((region) => views.get(region)?.writerRegion !== view.writerRegion);
  let note: string | undefined;
  if (claims.length > 1 || disagreeing.length > 0) {
    const said = order.map((region) => `${region} says ${views.get(region)?.writerRegion ?? 'no writer'}`).join(', ');
    note = `Regions disagree on the writer of ${view.name} (${said}); shown as seen from ${seenFrom}`;
  } else if (claims.length === 0) {
    note = `${view.name}: the writer's Region (${view.writerRegion ?? 'none'}) did not describe it; shown as seen from ${seenFrom}`;
  }
  return { view, seenFrom, note };
}

/** chooseView for one database, from every Region's list of views. */
export function chooseDatabaseView(viewsByRegion: ReadonlyMap<string, readonly DatabaseView[]>, databaseName: string, preferred: readonly string[]): ChosenView | undefined {
  const views = new Map<string, DatabaseView>();
  for (const [region, regionViews] of viewsByRegion) {
    const view = regionViews.find((v) => v.name === databaseName);
    if (view !== undefined) views.set(region, view);
  }
  return chooseView(views, preferred);
}

function rank(region: string, preferred: readonly string[]): number {
  const index = preferred.indexOf(region);
  return index === -1 ? preferred.length : index;
}
