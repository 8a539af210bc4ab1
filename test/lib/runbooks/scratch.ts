import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RegionalRunbooks } from '../../../lib/runbooks/runbooks';
const app = new App({ outdir: '/tmp/cdkout-scratch' });
const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'us-east-1' } });
const topic = new sns.Topic(stack, 'T', { enforceSSL: true });
new RegionalRunbooks(stack, 'Runbooks', {
  appName: 'retail', regions: ['us-east-1', 'us-west-2'], routingMode: 'active-standby', topologyParameterName: '/retail/platform/topology',
  requireApproval: true, notificationTopic: topic,
  globalDatabases: [{ name: 'catalog', engine: 'aurora-mysql', globalClusterIdentifier: 'retail-catalog', memberClusterArns: { 'us-east-1': 'arn:aws:rds:us-east-1:111111111111:cluster:cat-e', 'us-west-2': 'arn:aws:rds:us-west-2:111111111111:cluster:cat-w' } }],
  routingControlArns: ['arn:aws:route53-recovery-control::111111111111:controlpanel/abc/routingcontrol/e', 'arn:aws:route53-recovery-control::111111111111:controlpanel/abc/routingcontrol/w'],
  clusterArn: 'arn:aws:route53-recovery-control::111111111111:cluster/xyz',
});
const t = Template.fromStack(stack);
const j = t.toJSON();
for (const [k, v] of Object.entries<any>(j.Resources)) { if (v.Type.startsWith('AWS::IAM')) console.log(k, JSON.stringify(v.Properties)); }
console.log(Object.entries<any>(j.Resources).map(([k,v]) => `${k} ${v.Type}`).join('\n'));
const pack = new AwsSolutionsChecks(app);
console.log(JSON.stringify(pack.validateScope(app).violations, null, 1));
