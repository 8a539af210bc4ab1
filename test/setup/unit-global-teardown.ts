import * as fs from 'node:fs';
import { TEMPLATE_CACHE_ENV } from '../helpers/assemblies';

export default function unitGlobalTeardown(): void {
  const directory = process.env[TEMPLATE_CACHE_ENV];
  if (directory !== undefined) fs.rmSync(directory, { recursive: true, force: true });
}
