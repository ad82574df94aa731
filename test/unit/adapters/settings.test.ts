import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from '#adapters/settings.ts';

describe('settingsFromEnv: SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS', () => {
  it('takes the days after which the fact-table job drops sync_log partitions', () => {
    // Arrange
    const env = { SYNCTRAIL_RETENTION_DAYS: '14', SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS: '15' };
    // Act
    const settings = settingsFromEnv(env);
    // Assert
    expect(settings.dropPartitionsAfterDays).toBe(15);
  });

  it('leaves partitions alone when unset or empty (a bring-your-own bucket, local mode)', () => {
    expect(settingsFromEnv({}).dropPartitionsAfterDays).toBeUndefined();
    expect(settingsFromEnv({ SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS: '' })).not.toHaveProperty('dropPartitionsAfterDays');
  });

  it.each(['0', '-3', 'fifteen', 'Infinity'])('refuses %s: not a positive number of days', (value) => {
    expect(() => settingsFromEnv({ SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS: value })).toThrow('SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS must be a positive number of days');
  });

  it('refuses a value within the retention: those partitions still name browsable files', () => {
    expect(() => settingsFromEnv({ SYNCTRAIL_RETENTION_DAYS: '30', SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS: '30' })).toThrow('SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS must be more than SYNCTRAIL_RETENTION_DAYS');
    expect(settingsFromEnv({ SYNCTRAIL_RETENTION_DAYS: '30', SYNCTRAIL_DROP_PARTITIONS_AFTER_DAYS: '31' }).dropPartitionsAfterDays).toBe(31);
  });
});

describe('settingsFromEnv: retention', () => {
  it('defaults to 14 days, history to the retention, and still refuses a bad value', () => {
    expect(settingsFromEnv({})).toMatchObject({ retentionDays: 14, historyRetentionDays: 14 });
    expect(settingsFromEnv({ SYNCTRAIL_RETENTION_DAYS: '7' })).toMatchObject({ retentionDays: 7, historyRetentionDays: 7 });
    expect(() => settingsFromEnv({ SYNCTRAIL_RETENTION_DAYS: '0' })).toThrow('SYNCTRAIL_RETENTION_DAYS must be a positive number of days');
    expect(() => settingsFromEnv({ SYNCTRAIL_RETENTION_DAYS: '7', SYNCTRAIL_HISTORY_RETENTION_DAYS: '3' })).toThrow('must be at least SYNCTRAIL_RETENTION_DAYS');
  });
});

describe('settingsFromEnv: SYNCTRAIL_CONSOLE_URL', () => {
  it('takes the console URL for webhook messages, without a trailing slash; none when unset or empty', () => {
    expect(settingsFromEnv({ SYNCTRAIL_CONSOLE_URL: 'https://d111111abcdef8.cloudfront.net/' }).consoleUrl).toBe('https://d111111abcdef8.cloudfront.net');
    expect(settingsFromEnv({})).not.toHaveProperty('consoleUrl');
    expect(settingsFromEnv({ SYNCTRAIL_CONSOLE_URL: '' })).not.toHaveProperty('consoleUrl');
  });

  it.each(['console.example.com', 'ftp://console.example.com', 'javascript:alert(1)'])('refuses %s: not an http(s) URL', (value) => {
    expect(() => settingsFromEnv({ SYNCTRAIL_CONSOLE_URL: value })).toThrow('SYNCTRAIL_CONSOLE_URL must be an http(s) URL');
  });
});
