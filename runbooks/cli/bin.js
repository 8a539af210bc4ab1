#!/usr/bin/env node
// Package bin `retail-runbook` (npx retail-runbook <command>): runs the TypeScript CLI through tsx, no build step.
require('tsx/cjs');
require('./main.ts');
