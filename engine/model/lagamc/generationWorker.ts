// A generation thread (generationThreads.ts starts it): holds a copy of the generator's weights, its
// vocabulary and label sentences; `load` sets the weights' values and `generate` writes the texts of
// the rows it is sent (predictor.ts generateTexts).
import { parentPort } from 'node:worker_threads';
import { Vocab } from '../../models/compact/vocab';
import type { SentenceConstraint } from '../../models/constrained';
import { initBackend } from '../../tf/backend';
import { assignValues } from '../../tf/variables';
import { workerError } from '../../workers';
import { LagamcWeights } from './folder';
import type { FromGenerationThread, GenerationSetup, ToGenerationThread } from './generationThreads';
import { decodeOptions, generateTexts, labelConstraint, labelVerbatim } from './predictor';
import type { VerbatimSentences } from './verbatim';

const port = parentPort!;
let state: { setup: GenerationSetup; weights: LagamcWeights; vocab: Vocab; verbatim: VerbatimSentences; constraint?: SentenceConstraint } | undefined;

port.on('message', async (m: ToGenerationThread) => {
  try {
    if (m.kind === 'init') {
      await initBackend(m.backend);
      const vocab = new Vocab(m.vocab);
      state = { setup: m, weights: LagamcWeights.create(m.config, m.adapterRank), vocab, verbatim: labelVerbatim(m.set, m.mode) };
      port.postMessage({ kind: 'ready' } satisfies FromGenerationThread);
      return;
    }
    if (!state) throw new Error(`generation thread: ${m.kind} before init`);
    const s = state;
    if (m.kind === 'load') {
      assignValues(s.weights.variables, m.values);
      port.postMessage({ kind: 'ready' } satisfies FromGenerationThread);
      return;
    }
    const decode = decodeOptions(m.decoding, s.vocab, () => (s.constraint ??= labelConstraint(s.setup.set, s.vocab, s.setup.mode)), s.setup.labelTexts);
    const generated = await generateTexts(s.weights, s.vocab, s.verbatim, m.inputs, decode, m.headShift);
    port.postMessage({ kind: 'texts', ...generated } satisfies FromGenerationThread);
  } catch (e) {
    port.postMessage(workerError(e) satisfies FromGenerationThread);
  }
});
