import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, Metric, TextWidget, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '#http/metrics.ts';
import type { SyncTrailFunction } from './synctrail-function.ts';


export interface MonitoringProps {
  readonly api: HttpApi;
  readonly functions: ReadonlyMap<string, SyncTrailFunction>;
  /** The ingest API's function, whose duration the dashboard shows beside the records ingested. */
  readonly ingest: SyncTrailFunction;
  /** Dead-letter queues of asynchronous work (schedules, upload conversion). */
  readonly deadLetters: readonly Queue[];
  readonly alarmEmail?: string;
}

/** Alarms on errors, throttles, API 5xx and failed asynchronous work; one dashboard. */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Alarms', { displayName: 'SyncTrail alarms', enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);
    const alarm = (name: string, metric: IMetric, description: string) => {
      const created = new Alarm(this, name, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
    };

    for (const [fn, handler] of props.functions) {
      const label = fn.replace(/[/-]/g, ' ');
      alarm(`Errors ${label}`, handler.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), `SyncTrail ${fn} failed at least once in 5 minutes`);
      alarm(`Throttles ${label}`, handler.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }), `SyncTrail ${fn} was throttled`);
    }
    alarm('Api5xx', props.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }), 'The SyncTrail API answered 5xx');
    for (const queue of props.deadLetters) {
      alarm(
        `FailedAsyncWork ${queue.node.scope!.node.id}`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        `Asynchronous work (${queue.node.scope!.node.id}) failed after its retries: see its dead-letter queue`,
      );
    }

    const records = (name: string, label: string) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName: name, statistic: 'Sum', period: Duration.minutes(5), label });
    const { ingest } = props;
    new Dashboard(this, 'Dashboard', {
      widgets: [
        [new TextWidget({ markdown: '# SyncTrail\nIngest volume, failures and latency.', width: 24, height: 2 })],
        [
          new GraphWidget({ title: 'Records ingested', left: [records('RecordsReceived', 'received'), records('RecordsFailed', 'failed')], width: 12 }),
          new GraphWidget({
            title: 'API requests and errors',
            left: [props.api.metricCount({ period: Duration.minutes(5), statistic: 'Sum' })],
            right: [props.api.metricClientError({ period: Duration.minutes(5), statistic: 'Sum' }), props.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' })],
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'API latency',
            left: [props.api.metricLatency({ statistic: 'p50', period: Duration.minutes(5) }), props.api.metricLatency({ statistic: 'p99', period: Duration.minutes(5) })],
            width: 12,
          }),
          new GraphWidget({
            title: 'Ingest API (function)',
            left: [ingest.metricDuration({ statistic: 'p99' }), ingest.metricDuration({ statistic: 'p50' })],
            right: [ingest.metricErrors()],
            width: 12,
          }),
        ],
      ],
    });
  }
}
