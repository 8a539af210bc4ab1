// Runs in every test file before its imports (jest `setupFiles`).
// CDK's built-in template validator is cfn-lint's job here (.ci/run lints every synthesized template);
// running it in every test synth would triple the suite's time.
process.env.CDK_VALIDATION = 'false';
// The pinned SDK supports Node 20 (package.json engines); its notice about future releases is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Construct metadata stack traces go through source-map-support under jest: a tenth of the suite's time, read by nobody.
process.env.CDK_DISABLE_STACK_TRACE = '1';
