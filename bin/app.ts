#!/usr/bin/env node
// The only place that reads context and environment: everything below works from a validated PlatformConfig.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, resolveConfig } from '../lib/config/resolve';
import { buildPlatform } from '../lib/platform';
import { readConfigFile } from '../lib/config/file';

function main(): void {
  // Templates are written only by app.synth() below; a bad configuration exits before it.
  // CDK's built-in template validator (a WASM rule engine) more than doubles synth time; cfn-lint checks
  // every template instead (.ci/run, `npm run lint:templates`). `-c cfnValidation=true` turns it back on.
  const probe = new App({ autoSynth: false });
  const cfnValidation = probe.node.tryGetContext('cfnValidation') as unknown;
  const app = new App({ builtinCloudFormationValidation: cfnValidation === true || cfnValidation === 'true' });
  const configPath = app.node.tryGetContext('config') as unknown;
  let config;
  try {
    if (configPath !== undefined && typeof configPath !== 'string') {
      throw new ConfigError([{ key: 'config', value: configPath, allowed: 'must be a path: npx cdk synth -c config=path/to/file.json' }]);
    }
    const input = configPath === undefined ? {} : readConfigFile(configPath);
    const cliAccount = process.env.CDK_DEFAULT_ACCOUNT;
    // "Now" comes from here, not lib/: an event that has passed is a configuration error.
    config = resolveConfig(input, { ...(cliAccount !== undefined ? { cliAccount } : {}), now: new Date() });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nNo templates were written.\n`);
      process.exit(1);
    }
    throw error;
  }
  if (config.accountIsPlaceholder) {
    process.stderr.write(`Note: no account configured; using the placeholder ${config.account}. Templates are for review; set "account" or AWS credentials to deploy.\n`);
  }

  buildPlatform(app, config);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

main();
