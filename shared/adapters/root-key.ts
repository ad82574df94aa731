import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { sameSecret } from '#domain/keys.ts';
import type { RootKeyVerifier } from '#domain/ports.ts';

/** Local mode: the key comes from the environment (SYNCTRAIL_ROOT_KEY). */
export class StaticRootKey implements RootKeyVerifier {
  constructor(private readonly rootKey: string) {}

  async isRootKey(token: string): Promise<boolean> {
    return sameSecret(token, this.rootKey);
  }
}

/** AWS: the key lives in Secrets Manager; cached for a few minutes so rotation takes effect. */
export class SecretsManagerRootKey implements RootKeyVerifier {
  private cached: { value: string; until: number } | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  async isRootKey(token: string): Promise<boolean> {
    if (!this.cached || this.cached.until < Date.now()) {
      const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
      if (!SecretString) throw new Error(`secret ${this.secretId} has no string value`);
      this.cached = { value: SecretString.trim(), until: Date.now() + this.ttlMs };
    }
    return sameSecret(token, this.cached.value);
  }
}

/** No root key configured: nobody is root. */
export const NO_ROOT_KEY: RootKeyVerifier = { isRootKey: async () => false };
