import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * Exact S3 object actions on one prefix. CDK's `grantRead`/`grantReadWrite` add wildcard
 * actions (`s3:GetObject*`, `s3:List*`, `s3:Abort*`) that no SyncTrail function needs:
 * handlers never list the bucket (a run's files are known from its batch items).
 */
export function bindBucket(grantee: IGrantable, bucket: IBucket, prefix: string, access: 'read' | 'write' | 'readWrite'): void {
  const actions = {
    read: ['s3:GetObject'],
    write: ['s3:PutObject'],
    readWrite: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
  }[access];
  grantee.grantPrincipal.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [bucket.arnForObjects(`${prefix}*`)] }));
}

/**
 * Lets a function tell "no such object" (404) from "not allowed" (403) under one prefix:
 * without `s3:ListBucket`, S3 answers a HEAD of a missing key with 403. Listing stays
 * limited to the prefix.
 */
export function allowMissingObjectChecks(grantee: IGrantable, bucket: IBucket, prefix: string): void {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } }),
  );
}

/** The dead-letter queue of an asynchronous target: encrypted, TLS only, kept two weeks. */
export function deadLetterQueue(scope: Construct, id = 'DeadLetters'): Queue {
  return new Queue(scope, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
}
