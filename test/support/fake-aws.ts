import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AwsCall {
  /** The `X-Amz-Target` of the request, e.g. `AWSGlue.CreatePartition`. */
  target: string;
  body: any;
}

export interface StoredPartition {
  Values: string[];
  StorageDescriptor: any;
  CreationTime: number;
}

/**
 * The AWS services the deployed bundles call that have no local server: Secrets Manager (the
 * root key), Glue (sync_log partitions) and EventBridge (PutEvents, handed to `onEvents`).
 * It speaks their JSON 1.1 protocol to the real SDK clients inside the bundles (pointed here by
 * `AWS_ENDPOINT_URL_<SERVICE>`), records every call, and refuses any operation it does not know,
 * so a bundle calling something new fails the test instead of passing unseen.
 */
export class FakeAws {
  readonly calls: AwsCall[] = [];
  readonly partitions: StoredPartition[] = [];
  private server?: Server;
  url = '';

  constructor(
    private readonly secrets: Record<string, string>,
    private readonly onEvents: (entries: Array<{ Source: string; DetailType: string; Detail: string; EventBusName?: string }>) => void,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        const body = text ? JSON.parse(text) : {};
        this.calls.push({ target, body });
        const answer = (status: number, payload: unknown) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
          res.end(JSON.stringify(payload));
        };
        const failure = (type: string, message: string, status = 400) => answer(status, { __type: type, message });
        try {
          switch (target) {
            case 'secretsmanager.GetSecretValue': {
              const secret = this.secrets[body.SecretId];
              return secret === undefined ? failure('ResourceNotFoundException', `no secret ${body.SecretId}`) : answer(200, { ARN: body.SecretId, Name: 'root-key', SecretString: secret, VersionId: 'v1' });
            }
            case 'AWSGlue.CreatePartition': {
              const values = body.PartitionInput.Values as string[];
              if (this.partitions.some((p) => p.Values.join('/') === values.join('/'))) return failure('AlreadyExistsException', 'Partition already exists.');
              this.partitions.push({ Values: values, StorageDescriptor: body.PartitionInput.StorageDescriptor, CreationTime: Date.now() / 1000 });
              return answer(200, {});
            }
            case 'AWSGlue.GetPartitions':
              return answer(200, { Partitions: this.partitions.map((p) => ({ ...p, DatabaseName: body.DatabaseName, TableName: body.TableName })) });
            case 'AWSGlue.BatchDeletePartition': {
              for (const { Values } of body.PartitionsToDelete as Array<{ Values: string[] }>) {
                const at = this.partitions.findIndex((p) => p.Values.join('/') === Values.join('/'));
                if (at >= 0) this.partitions.splice(at, 1);
              }
              return answer(200, { Errors: [] });
            }
            case 'AWSEvents.PutEvents': {
              this.onEvents(body.Entries);
              return answer(200, { FailedEntryCount: 0, Entries: body.Entries.map(() => ({ EventId: randomUUID() })) });
            }
            default:
              return failure('UnknownOperationException', `the deployed-bundle test does not serve ${target || req.url}`);
          }
        } catch (error) {
          return failure('InternalFailure', String(error), 500);
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** The calls made to one operation. */
  callsTo(target: string): any[] {
    return this.calls.filter((call) => call.target === target).map((call) => call.body);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
