import { readFileSync } from 'node:fs';
import { ConfigError } from './resolve';

/** The raw configuration in a JSON file; an unreadable or invalid file is a ConfigError naming the `config` setting. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([{ key: 'config', value: path, allowed: `must name a readable JSON file (${(error as Error).message})` }]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError([{ key: 'config', value: path, allowed: `must contain valid JSON (${(error as Error).message})` }]);
  }
}
