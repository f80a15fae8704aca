// The `--base` path: LoRA fine-tuning of a tiny FLAN-T5 fixture on a few demo texts writes a
// "lagamc-t5" model folder (label snapshot, PEFT adapter, manifest) that predict opens and runs,
// and that refuses a changed label file like the compact model does.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/tempDir';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadExamples } from '../../engine/data/dataset';
import { parseLabelFile } from '../../engine/data/labels';
import { demo } from '../../engine/demo/paths';
import { DEFAULT_ENCODER, loadEncoder } from '../../engine/encoders/index';
import { readManifest } from '../../engine/model/manifest';
import { loadPredictor } from '../../engine/model/load';
import { initBackend } from '../../engine/tf/backend';
import { trainLora } from '../../engine/training/loraTrainer';
import { buildPrompt } from '../../engine/training/prompt';
import { needsShared, sharedPath } from '../helpers/shared';

test('the prompt holds the instruction, the task and the text', () => {
  assert.equal(buildPrompt({ instruction: 'Say which.', task: 'Support tickets.' }, 'It broke.'), 'Say which.\nTask: Support tickets.\nText: It broke.');
  assert.match(buildPrompt({}, 'x'), /^Describe the labels.*\nText: x$/);
});

test('LoRA on a T5 base: trains, writes a lagamc-t5 folder, predicts, refuses a changed label file', needsShared, async () => {
  await initBackend();
  const root = tempDir('lora');
  const labels = join(root, 'x.labels.jsonc');
  copyFileSync(demo.labels, labels);
  const text = readFileSync(labels, 'utf8');
  const set = parseLabelFile(text, labels);
  const all = (await loadExamples(demo.train, { labels: set })).examples;
  const out = join(root, 'model');
  const encoder = await loadEncoder();
  const result = await trainLora(set, all.slice(0, 8), all.slice(8, 12), encoder, { base: sharedPath('fixtures', 't5', 'flan-t5-tiny'), out, encoderSpec: DEFAULT_ENCODER, labelFile: labels, labelFileText: text, epochs: 1, batchSize: 4, maxSourceTokens: 48, maxTargetTokens: 8 });
  assert.equal(result.bestEpoch, 1);
  assert.equal((await readManifest(out)).kind, 'lagamc-t5');
  assert.ok(existsSync(join(out, 'adapter', 'adapter_config.json')) && existsSync(join(out, 'adapter', 'adapter_model.safetensors')));
  const predictor = await loadPredictor(out);
  const [p] = await predictor.predict(['I was charged twice this month.']);
  assert.equal(typeof p!.generated, 'string');
  predictor.dispose();
  writeFileSync(labels, text.replace('The customer thanks the team', 'The customer praises the team'));
  await assert.rejects(loadPredictor(out), /no longer matches the model/);
});
