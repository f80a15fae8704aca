// Train: runs `lagamc train` (the LAGAMC generator + matcher) in the job worker with work-done
// progress (percentage, epoch, loss, ETA, Cancel); resumable from the output folder's checkpoint.
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkDoneProgressReporter } from 'vscode-languageserver';
import { devFileFor } from './datasetFiles';
import { findLabelFile } from './diagnostics';
import type { Jobs } from './jobs/jobs';
import type { JobProgress } from './jobs/messages';
import type { Settings, TrainRequest } from './protocol';

export interface TrainContext {
  jobs: Jobs;
  progress: WorkDoneProgressReporter;
  signal: AbortSignal;
  modelsDir?: string;
  onFraction(fraction: number): void;
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

/** The request's fine-tuning choice, else the setting's (`auto`: none, the trainer decides). */
export function tuning(asked: boolean | undefined, setting: Settings['train']['fineTuneEncoder']): { fineTuneEncoder?: boolean } {
  const fineTuneEncoder = asked ?? (setting === 'always' ? true : setting === 'never' ? false : undefined);
  return fineTuneEncoder === undefined ? {} : { fineTuneEncoder };
}

export async function train(params: TrainRequest.Params, ctx: TrainContext): Promise<TrainRequest.Result> {
  const dataset = fileURLToPath(params.datasetUri);
  const dev = params.devUri ? fileURLToPath(params.devUri) : await devFileFor(dataset);
  const labels = await findLabelFile(dataset);
  const out = params.outDir ?? join(ctx.modelsDir ?? join(dirname(dataset), '.lagamc', 'models'), `${basename(dataset, extname(dataset))}-${stamp()}`);
  if (!labels) throw new Error(`no label file (*.labels.jsonc or labels.json) beside ${dataset}`);
  const argv = ['train', '--train', dataset, '--labels', labels, '--out', out, '--json'];
  if (dev !== dataset) argv.push('--dev', dev);
  if (params.epochs !== undefined) argv.push('--epochs', String(params.epochs));
  if (params.select !== undefined) argv.push('--select', params.select);
  if (params.fineTuneEncoder === false) argv.push('--no-fine-tune-encoder');
  else {
    if (params.fineTuneEncoder) argv.push('--fine-tune-encoder');
    if (params.fusionMinTexts !== undefined) argv.push('--fusion-min-texts', String(params.fusionMinTexts));
  }
  if (params.resume) argv.push('--resume');
  const started = Date.now();
  ctx.progress.begin('LAGAMC: Train', 0, `${basename(dataset)}: starting`, true);
  const onProgress = (p: JobProgress) => {
    const elapsed = (Date.now() - started) / 1000;
    const eta = p.fraction > 0.02 && !/ETA/.test(p.message) ? ` · ETA ${Math.round((elapsed * (1 - p.fraction)) / p.fraction)} s` : '';
    ctx.progress.report(Math.round(100 * p.fraction), `${p.message}${eta}`);
    ctx.onFraction(p.fraction);
  };
  try {
    const r = await ctx.jobs.run({ op: 'cli', argv }, { signal: ctx.signal, onProgress });
    if (ctx.signal.aborted) throw new Error('training cancelled');
    if (r.exitCode !== 0) throw new Error(r.stderr || `training failed (exit code ${r.exitCode})`);
    const json = JSON.parse(r.stdout) as { out: string; dev: TrainRequest.Result['dev'] };
    return { modelDir: json.out, dev: { microF1: json.dev.microF1, macroF1: json.dev.macroF1 } };
  } finally {
    ctx.progress.done();
  }
}
