import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** AWS Backup's maximum for continuous backups (point-in-time restore), in days. */
export const CONTINUOUS_BACKUP_MAX_DAYS = 35;

/** The vault of every Region has one name, so another Region's vault ARN is known without a reference. */
export function backupVaultName(appName: string): string {
  return `${appName}-backups`;
}

export function backupVaultArn(scope: Construct, appName: string, region: string): string {
  return Stack.of(scope).formatArn({ service: 'backup', region, resource: 'backup-vault', resourceName: backupVaultName(appName), arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** Restore testing plan names allow letters, digits and underscores only. */
export function restoreTestingPlanName(appName: string): string {
  return `${appName.replace(/-/g, '_')}_restore_tests`;
}

/**
 * The Region a Region's daily backups are copied to: the next configured Region, the last
 * one's to the first. Every Region then holds its own backups and one other Region's copies.
 */
export function copyTargetRegion(regions: readonly string[], region: string): string | undefined {
  if (regions.length < 2) return undefined;
  const index = regions.indexOf(region);
  if (index < 0) throw new Error(`${region} is not one of ${regions.join(', ')}`);
  return regions[(index + 1) % regions.length];
}
