// `lagamc demo` (npm run demo): the main job on the built-in demo data. Trains a LAGAMC model on
// the Lumen support messages (engine/demo), selects it on the dev split, evaluates it on the test
// split, and shows a few test predictions with their generated sentences and matches.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExamples } from '../../data/dataset';
import { demo as demoFiles } from '../../demo/paths';
import { DEFAULT_ENCODER, loadEncoder } from '../../encoders/index';
import { evaluateModel } from '../../model/evaluate';
import { loadPredictor } from '../../model/load';
import { labelConfidence } from '../../model/prediction';
import { initBackend } from '../../tf/backend';
import { trainLagamc } from '../../training/trainer';
import { EXIT, num, str, type Command } from '../command';
import { fixed, pct, table } from '../format';
import { progressPrinter, readLabelFile } from './train';

export const demo: Command = {
  name: 'demo',
  summary: 'train and evaluate LAGAMC on the built-in demo data, and show predictions',
  usage: '[--out DIR] [--epochs N] [--show N]',
  options: {
    out: { type: 'string', placeholder: 'DIR', description: 'where to write the model (default: a new temporary folder)' },
    epochs: { type: 'string', placeholder: 'N', description: 'training epochs (default 12)' },
    show: { type: 'string', placeholder: 'N', description: 'test predictions to show (default 5)' },
  },
  async run({ values, io, signal }) {
    const started = performance.now();
    const out = str(values, 'out') ?? (await mkdtemp(join(tmpdir(), 'lagamc-demo-')));
    const { set, text } = await readLabelFile(demoFiles.labels);
    const load = async (file: string) => (await loadExamples(file, { labels: set })).examples;
    const [train, dev, test] = [await load(demoFiles.train), await load(demoFiles.dev), await load(demoFiles.test)];
    io.out(`LAGAMC demo: ${train.length} training, ${dev.length} dev and ${test.length} test support messages for "Lumen" smart-home devices, ${set.labels.length} labels (${demoFiles.labels})`);
    io.out(`backend: ${await initBackend()}; model folder: ${out}\n`);
    const encoder = await loadEncoder(DEFAULT_ENCODER);
    const result = await trainLagamc(set, train, dev, encoder, {
      out,
      labelFile: demoFiles.labels,
      labelFileText: text,
      encoderSpec: DEFAULT_ENCODER,
      epochs: num(values, 'epochs', 12, { min: 1, integer: true }),
      batchSize: 16,
      patience: 6,
      signal,
      onProgress: progressPrinter(io),
    });
    if (io.interactive) io.err('');
    const predictor = await loadPredictor(out);
    try {
      const { report, predictions } = await evaluateModel(predictor, test, { signal });
      io.out(
        '\n' +
          table(
            ['split', 'micro-F1', 'macro-F1', 'hallucinated sentences'],
            [
              [`dev (epoch ${result.bestEpoch} selected)`, pct(result.dev.micro.f1), pct(result.dev.macro.f1), ''],
              ['test', pct(report.micro.f1), pct(report.macro.f1), report.hallucinationRate === null ? '' : pct(report.hallucinationRate)],
            ],
            ['l', 'r', 'r', 'r'],
          ),
      );
      const show = num(values, 'show', 5, { min: 0, integer: true });
      if (show > 0) io.out("\np: the label head's probability of a predicted label; each generated sentence shows its best label and cosine.");
      for (const [i, p] of predictions.slice(0, show).entries()) {
        const ex = test[i]!;
        io.out(`\n"${ex.text}"\n  gold:      ${(ex.labels ?? []).join(', ') || '(none)'}\n  predicted: ${p.labels.map((l) => `${l.label} (${labelConfidence(l)})`).join(', ') || '(no label matched)'}`);
        for (const m of p.sentences ?? []) io.out(`  generated: "${m.sentence}" → ${m.label} ${fixed(m.score, 2)}${m.hallucinated ? ' (hallucinated: under the threshold, not used)' : ''}`);
      }
      io.out(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s. Try: lagamc predict --model ${out} --text "My plug keeps going offline"`);
    } finally {
      predictor.dispose();
    }
    return EXIT.ok;
  },
};
