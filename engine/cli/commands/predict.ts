// `lagamc predict`: labels for texts, from a model folder (any kind loadPredictor reads) or
// zero-shot from a label file. With --input, one JSON line per record,
// {"id", "labels": [names], "scores": {label: score}, ...} (what `lagamc eval --pred` reads), to
// --out or stdout; with --text, that text's prediction.
import { loadExamples } from '../../data/dataset';
import { writeFileAtomic } from '../../io/atomic';
import { zeroShot } from '../../matching/zeroShot';
import { loadPredictor } from '../../model/load';
import type { Prediction } from '../../model/prediction';
import type { ProgressEvent } from '../../progress';
import { EXIT, UsageError, flag, jsonOption, num, str, type Command } from '../command';
import { fixed } from '../format';
import { formatMatch, matcherFlags, matcherFromFlags, predictionJson } from './match';
import { csvFlags, csvOptions, decodingFlags, decodingOptions } from './shared';

const CHUNK = 256;

type PredictFn = (texts: readonly string[]) => Promise<Prediction[]>;

export const predict: Command = {
  name: 'predict',
  summary: 'predict labels with a model folder, or zero-shot from label descriptions',
  usage: '(--model DIR | --zero-shot --labels F) (--input F | --text TEXT) [--num-beams K] [--constrained | --candidates | --free] [--force P|none] [--head-decides N|none] [--top-k K] [--threshold X | --thresholds F] [--fallback] [--out F] [--json]',
  options: {
    model: { type: 'string', placeholder: 'DIR', description: 'model folder (lagamc-model.json inside)' },
    'zero-shot': { type: 'boolean', description: 'no model: compare each text with the label descriptions' },
    labels: { type: 'string', placeholder: 'F', description: 'label file (with --zero-shot)' },
    input: { type: 'string', placeholder: 'F', description: 'dataset file (JSONL/CSV/TSV) whose texts to label' },
    text: { type: 'string', placeholder: 'TEXT', description: 'one text to label' },
    'top-k': { type: 'string', placeholder: 'K', description: 'zero-shot: keep at most K labels (default 1 unless --threshold/--thresholds is given)' },
    fallback: { type: 'boolean', description: 'zero-shot with thresholds: when no label reaches its threshold, predict the most similar one' },
    ...matcherFlags,
    'batch-size': { type: 'string', placeholder: 'N', description: 'texts per encoder batch (default: the encoder\'s, 32 for USE lite)' },
    out: { type: 'string', placeholder: 'F', description: 'write the prediction lines to F (written atomically) instead of stdout' },
    ...decodingFlags,
    ...csvFlags,
    ...jsonOption,
  },
  async run({ values, io, signal }) {
    const modelDir = str(values, 'model');
    const isZeroShot = flag(values, 'zero-shot');
    if (!!modelDir === isZeroShot) throw new UsageError('give either --model DIR or --zero-shot --labels F');
    const input = str(values, 'input');
    const text = str(values, 'text');
    if (!!input === (text !== undefined)) throw new UsageError('give either --input F or --text TEXT');
    const batch = str(values, 'batch-size') === undefined ? {} : { batchSize: num(values, 'batch-size', 0, { min: 1, integer: true }) };

    let run: PredictFn;
    let dispose = () => {};
    if (modelDir) {
      for (const f of ['top-k', 'threshold', 'thresholds', 'fallback', 'labels', 'encoder']) if (values[f] !== undefined) throw new UsageError(`--${f} applies to --zero-shot only`);
      const decoding = decodingOptions(values);
      const predictor = await loadPredictor(modelDir);
      run = (texts) => predictor.predict(texts, { signal, ...batch, decoding });
      dispose = () => predictor.dispose();
    } else {
      for (const f of ['num-beams', 'constrained', 'candidates', 'free', 'force', 'head-decides']) if (values[f] !== undefined) throw new UsageError(`--${f} applies to --model only`);
      const useThresholds = str(values, 'threshold') !== undefined || str(values, 'thresholds') !== undefined;
      const topK = str(values, 'top-k') === undefined ? undefined : num(values, 'top-k', 1, { min: 1, integer: true });
      const matcher = await matcherFromFlags(values);
      run = (texts) => zeroShot(matcher, texts, { ...(topK !== undefined ? { topK } : {}), useThresholds, fallback: flag(values, 'fallback') }, { signal, ...batch });
    }
    try {
      if (text !== undefined) {
        const [p] = await run([text]);
        if (flag(values, 'json')) io.out(JSON.stringify(predictionJson(p!), null, 2));
        else io.out(p!.sentences ? formatMatch(p!) : p!.labels.map((l) => `${l.label}\t${fixed(l.score)}`).join('\n') || '(no label)');
        return EXIT.ok;
      }
      const { examples } = await loadExamples(input!, { csv: csvOptions(values) });
      const lines: string[] = [];
      const started = performance.now();
      const progress = (e: ProgressEvent) => {
        if (io.interactive) io.err(`\r${e.message}`);
      };
      for (let start = 0; start < examples.length; start += CHUNK) {
        signal.throwIfAborted();
        const chunk = examples.slice(start, start + CHUNK);
        const preds = await run(chunk.map((e) => e.text));
        preds.forEach((p, i) => lines.push(JSON.stringify({ id: chunk[i]!.id, ...p, labels: p.labels.map((l) => l.label) })));
        const done = start + chunk.length;
        const rate = done / ((performance.now() - started) / 1000);
        progress({
          phase: 'label',
          fraction: done / examples.length,
          throughput: { value: rate, unit: 'texts' },
          etaSeconds: (examples.length - done) / rate,
          message: `predicted ${done}/${examples.length} (${rate.toFixed(1)} texts/s)`,
        });
      }
      if (io.interactive) io.err('\n');
      const out = str(values, 'out');
      if (out) {
        await writeFileAtomic(out, lines.map((l) => l + '\n').join(''));
        io.err(`wrote ${lines.length} predictions to ${out}`);
      } else for (const l of lines) io.out(l);
      return EXIT.ok;
    } finally {
      dispose();
    }
  },
};
