import type { Deps, StagedRows } from '#domain/ports.ts';
import { ROW_GROUP_ROWS } from '#adapters/parquet.ts';

/**
 * Crash tests only: `SYNCTRAIL_CRASH_AT=<point>[@<n>]` makes local mode kill itself
 * (SIGKILL, as a power cut or an OOM kill would) the n-th time it reaches a point between
 * two writes, so the tests can prove a restart rolls forward from exactly there.
 */
export const CRASH_POINTS = ['batch.claimed', 'batch.file-written', 'batch.counted', 'batch.dlq-written', 'conversion.staged', 'conversion.row-group'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export function parseCrashAt(value: string | undefined): { point: CrashPoint; hit: number } | undefined {
  if (!value) return undefined;
  const [point, n] = value.split('@');
  if (!CRASH_POINTS.includes(point as CrashPoint)) throw new Error(`SYNCTRAIL_CRASH_AT must be one of ${CRASH_POINTS.join(', ')} (optionally @n)`);
  const hit = n === undefined ? 1 : Number(n);
  if (!Number.isInteger(hit) || hit < 1) throw new Error('SYNCTRAIL_CRASH_AT: @n must be a whole number from 1');
  return { point: point as CrashPoint, hit };
}

/** Wraps the adapters of `deps` in place so that reaching `point` the `hit`-th time kills the process. */
export function installCrashPoint(deps: Deps, point: CrashPoint, hit: number): void {
  let seen = 0;
  const reach = (at: CrashPoint) => {
    if (at !== point || ++seen < hit) return;
    console.error(`crash point ${at} reached: SIGKILL`);
    process.kill(process.pid, 'SIGKILL');
  };
  const runs = deps.runs;
  const files = deps.files;
  const dlq = deps.dlq;
  deps.runs = Object.assign(Object.create(runs) as typeof runs, {
    claimBatch: async (...args: Parameters<typeof runs.claimBatch>) => {
      const claimed = await runs.claimBatch(...args);
      if (claimed) reach('batch.claimed');
      return claimed;
    },
    markBatchDone: async (...args: Parameters<typeof runs.markBatchDone>) => {
      const counted = await runs.markBatchDone(...args);
      if (counted) reach('batch.counted');
      return counted;
    },
    beginConversion: async (...args: Parameters<typeof runs.beginConversion>) => {
      reach('conversion.staged');
      return runs.beginConversion(...args);
    },
  });
  deps.files = Object.assign(Object.create(files) as typeof files, {
    writeRows: async (...args: Parameters<typeof files.writeRows>) => {
      const bytes = await files.writeRows(...args);
      reach('batch.file-written');
      return bytes;
    },
    putBatchFile: async (...args: Parameters<typeof files.putBatchFile>) => {
      const bytes = await files.putBatchFile(...args);
      reach('batch.file-written');
      return bytes;
    },
    stageRows: async (): Promise<StagedRows> => {
      const staged = await files.stageRows();
      let rows = 0;
      return {
        push: async (row) => {
          await staged.push(row);
          if (++rows === ROW_GROUP_ROWS) reach('conversion.row-group');
        },
        commit: async (key, schema) => {
          const bytes = await staged.commit(key, schema);
          reach('batch.file-written');
          return bytes;
        },
        discard: () => staged.discard(),
      };
    },
  });
  // The native writer converts a batch in one step: its "row group" is the whole local file,
  // written before anything of the batch is recorded.
  const engine = deps.batchEngine;
  if (engine) {
    deps.batchEngine = {
      convert: async (job) => {
        const converted = await engine.convert(job);
        if (!('declined' in converted)) reach('conversion.row-group');
        return converted;
      },
    };
  }
  deps.dlq = Object.assign(Object.create(dlq) as typeof dlq, {
    addItems: async (...args: Parameters<typeof dlq.addItems>) => {
      await dlq.addItems(...args);
      reach('batch.dlq-written');
    },
  });
}
