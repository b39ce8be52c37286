// End-to-end: a Hugging Face BERT from the Hub as the teacher, with no network. The Teacher panel
// takes a Hub URL ('http://hub.test/me/tiny-bert': the host is the endpoint, as for a mirror), and
// Playwright's context.route answers the worker's fetches of
// {endpoint}/{repo}/resolve/main/{file} with a tiny BertForSequenceClassification made here by the
// project's own writers (config.json by hfBertConfigJson, model.safetensors by writeSafetensors,
// seeded weights) and a vocab.txt of the task's words. (Route interception of a dedicated module
// worker's fetches was checked on Chromium 156 with Playwright 1.65: page.route and context.route
// both see them.) A vanilla-KD student trains from it to the end, the panel names the Hub teacher
// and its dev result, and no console errors.
import { expect, test } from '@playwright/test';
import { hfBertConfigJson } from '../src/io/hf-config';
import { writeSafetensors } from '../src/io/safetensors';
import { bertParamShapes, type BertConfig } from '../src/model/config';
import { makeRng } from '../src/util/rng';
import { collectPageErrors, easyTaskFiles, easyTaskWords } from './fixtures';
import { AppPage } from './pages/app-page';

const HUB = 'http://hub.test';
const REPO = 'me/tiny-bert';

/**
 * The files of a tiny BERT classifier over `vocab` (1 layer, width 32, 2 labels): weights drawn
 * from a seeded normal (std 0.02, BERT's init), LayerNorm scales 1, biases 0.
 */
function tinyBertFiles(vocab: readonly string[]): Map<string, Buffer> {
  const c: BertConfig = {
    vocabSize: vocab.length,
    hiddenSize: 32,
    numHiddenLayers: 1,
    numAttentionHeads: 2,
    intermediateSize: 64,
    maxPositionEmbeddings: 64,
    typeVocabSize: 2,
    hiddenDropoutProb: 0.1,
    attentionProbsDropoutProb: 0.1,
    layerNormEps: 1e-12,
    initializerRange: 0.02,
    numLabels: 2,
    padTokenId: 0,
  };
  const rng = makeRng(7);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of bertParamShapes(c)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (name.includes('LayerNorm.weight')) data.fill(1);
    else if (name.endsWith('.weight'))
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * 0.02;
    tensors.set(name, { shape, data });
  }
  const config = hfBertConfigJson(c, { labels: ['negative', 'positive'] });
  return new Map([
    ['config.json', Buffer.from(JSON.stringify(config))],
    ['model.safetensors', Buffer.from(writeSafetensors(tensors, { format: 'pt' }))],
    ['vocab.txt', Buffer.from(`${vocab.join('\n')}\n`)],
    ['tokenizer_config.json', Buffer.from(JSON.stringify({ do_lower_case: true }))],
  ]);
}

test('a Hugging Face Hub teacher (served by route) teaches a vanilla-KD student to the end', async ({
  context,
  page,
}) => {
  // One kernel compilation for the student and the teacher's forward passes (minutes on a loaded
  // SwiftShader machine), then 8 steps.
  test.setTimeout(600_000);
  const files = tinyBertFiles(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...easyTaskWords()]);
  const requested: string[] = [];
  await context.route(`${HUB}/**`, async (route) => {
    const url = route.request().url();
    requested.push(url);
    const prefix = `${HUB}/${REPO}/resolve/main/`;
    const body = url.startsWith(prefix) ? files.get(url.slice(prefix.length)) : undefined;
    await route.fulfill({
      status: body ? 200 : 404,
      headers: { 'access-control-allow-origin': '*' },
      body: body ?? 'not found',
    });
  });
  const errors = collectPageErrors(page);
  const app = new AppPage(page);
  await app.goto();
  expect(await app.backendName()).toBe('webgpu');
  await app.loadFiles(easyTaskFiles(), 'own');
  await app.configure({
    preset: 'tiny-L1-H32',
    batchSize: 8,
    maxLen: 24,
    lr: 0.01,
    warmup: 0,
    steps: 8,
    evalEvery: 8,
    seed: 1,
  });

  const teacherPanel = page.getByTestId('teacher.panel');
  await page
    .getByTestId('methods.panel')
    .getByLabel('KD method')
    .selectOption({ label: 'Vanilla KD' });
  await teacherPanel.getByLabel('Teacher source').selectOption({ label: 'Hugging Face BERT' });
  await teacherPanel.getByLabel('Model id or URL').fill(`${HUB}/${REPO}`);
  await expect(app.byTestId('error.teacher.hf')).toHaveCount(0);
  await expect(app.byTestId('teacher.tokenizer')).toContainText("teacher's vocabulary");

  await app.start();
  const done = await app.waitFor(
    'the student run ends',
    (s) => s.phase === 'done' || s.phase === 'failed',
    540_000,
  );
  expect(done.runError).toBeNull();
  expect(done.phase).toBe('done');
  expect(done.lossCount).toBe(8);
  expect(done.evalCount).toBe(1);
  expect(done.lastLosses.every((l) => Number.isFinite(l))).toBe(true);
  // The worker fetched the model from the routed Hub, and the panel names it with its dev result.
  for (const name of ['config.json', 'model.safetensors', 'vocab.txt']) {
    expect(requested).toContain(`${HUB}/${REPO}/resolve/main/${name}`);
  }
  const result = app.byTestId('teacher.result');
  await expect(result).toContainText(`(hub:${REPO}@main, its vocabulary adopted)`);
  await expect(result).toContainText(/, dev [01]?\.\d+/);
  expect(errors).toEqual([]);
});
