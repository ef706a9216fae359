/** Loading a keyword rule: the shipped one, a user's own (`--keywords <dir>`), and broken ones. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classifier.js';
import { DEFAULT_KEYWORDS_DIR, acronymDefinitionPattern, loadKeywordRules, termPattern } from '../../src/classify/keywords.js';
import { UserError } from '../../src/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medai-keywords-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const RULE = {
  require: ['ai', 'medical'],
  lists: [
    { file: 'ai.txt', group: 'ai', boundaries: 'word' },
    { file: 'med.txt', group: 'medical', boundaries: 'word' },
  ],
  exclusions: 'ex.txt',
};

async function writeRule(files: Record<string, string>, rule: unknown = RULE): Promise<void> {
  await writeFile(join(dir, 'rule.json'), JSON.stringify(rule));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}

describe('loadKeywordRules', () => {
  it('loads the shipped rule with a hash per file', async () => {
    const rules = await loadKeywordRules();
    expect(rules.dir).toBe(DEFAULT_KEYWORDS_DIR.replace(/\/$/, ''));
    expect(rules.files.map((f) => f.path)).toEqual(['ai.en.txt', 'ai.zh.txt', 'exclusions.txt', 'medical.en.txt', 'medical.zh.txt', 'rule.json']);
    for (const f of rules.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rules.require).toEqual(['ai', 'medical']);
  });

  it("uses a user's own lists, and their hashes change with their content", async () => {
    await writeRule({ 'ai.txt': '# mine\nmachine learning\n', 'med.txt': 'veterinary\n', 'ex.txt': '' });
    const first = await loadKeywordRules(dir);
    expect(classify({ title: 'Machine learning in veterinary practice', abstract: null }, first)).toEqual({
      isAi: true,
      isMedical: true,
      isMedicalAi: true,
      matchedTerms: ['ai:machine learning', 'medical:veterinary'],
    });
    // The shipped lists would call this medical; the user's do not.
    expect(classify({ title: 'Machine learning for patients', abstract: null }, first).isMedical).toBe(false);
    await writeFile(join(dir, 'med.txt'), 'veterinary\nequine\n');
    const second = await loadKeywordRules(dir);
    const hash = (r: typeof first) => r.files.find((f) => f.path === 'med.txt')?.sha256;
    expect(hash(second)).not.toBe(hash(first));
  });

  it('reads lists saved with a byte-order mark and CRLF line ends', async () => {
    await writeRule({ 'ai.txt': '\uFEFFdeep learning\r\nAI | acronym\r\n', 'med.txt': '\uFEFF# from a Windows editor\r\npatient\r\n', 'ex.txt': '' });
    const c = classify({ title: 'Deep learning and AI for patients', abstract: null }, await loadKeywordRules(dir));
    expect(c.matchedTerms).toEqual(['ai:AI', 'ai:deep learning', 'medical:patient']);
  });

  it('honours a rule that requires only the AI half', async () => {
    await writeRule({ 'ai.txt': 'deep learning\n', 'med.txt': 'patient\n', 'ex.txt': '' }, { ...RULE, require: ['ai'] });
    const c = classify({ title: 'Deep learning for speech', abstract: null }, await loadKeywordRules(dir));
    expect(c.isMedicalAi).toBe(true);
  });

  it.each([
    ['a non-ASCII term in a word list', { 'ai.txt': 'ok term\nnaïve Bayes\n' }, /ai\.txt:2: "naïve Bayes"/],
    ['an unknown flag', { 'ai.txt': 'AI | shout\n' }, /ai\.txt:1: unknown flag "shout"/],
    ['an acronym that is not capitals', { 'ai.txt': 'Ai | acronym\n' }, /ai\.txt:1: "Ai" cannot be an acronym/],
    ['a duplicate term', { 'ai.txt': 'deep learning\n# again\ndeep learning\n' }, /ai\.txt:3: "deep learning" is already defined at .*ai\.txt:1/],
    ['a veto of an unknown term', { 'ex.txt': 'veto | ai:ML | maximum likelihood\n' }, /ex\.txt:1: veto names "ai:ML"/],
    ['a malformed exclusion', { 'ex.txt': 'mask biological neural network\n' }, /ex\.txt:1: expected "mask \| <phrase>"/],
    ['a missing list file', { 'ai.txt': null }, /cannot read .*ai\.txt/],
  ])('rejects %s with file:line', async (_name, override, message) => {
    const files: Record<string, string> = { 'ai.txt': 'deep learning\n', 'med.txt': 'patient\n', 'ex.txt': '' };
    for (const [k, v] of Object.entries(override)) {
      if (v === null) delete files[k];
      else files[k] = v;
    }
    await writeRule(files);
    const err = await loadKeywordRules(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
  });

  it('collects every problem instead of stopping at the first', async () => {
    await writeRule({ 'ai.txt': 'naïve\nAI | shout\n', 'med.txt': 'patient\n', 'ex.txt': 'nonsense\n' });
    const err = (await loadKeywordRules(dir).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/3 problem/);
  });

  it('takes a Chinese exclusion phrase as a substring and refuses one with a space', async () => {
    await writeRule({ 'ai.txt': 'deep learning\n', 'med.txt': 'diagnosis\n', 'ex.txt': 'mask | 故障诊断\n' });
    const rules = await loadKeywordRules(dir);
    expect(rules.maskRegex?.test('轴承故障诊断')).toBe(true);
    await writeRule({ 'ai.txt': 'x\n', 'med.txt': 'y\n', 'ex.txt': 'mask | 故障 诊断\n' });
    await expect(loadKeywordRules(dir)).rejects.toThrow(/ex\.txt:1: "故障 诊断" is not a phrase/);
  });

  it.each([
    ['unknown group', { ...RULE, require: ['ai', 'biology'] }, /unknown group "biology"/],
    ['unknown key', { ...RULE, extra: 1 }, /unknown key "extra"/],
    ['bad boundaries', { ...RULE, lists: [{ file: 'ai.txt', group: 'ai', boundaries: 'loose' }] }, /"lists"\[0\]/],
    ['a strength of zero terms', { ...RULE, strength: { medical: { minTerms: 0, orInTitle: true } } }, /"strength"\."medical" must be \{"minTerms"/],
    ['a strength for an unknown group', { ...RULE, strength: { biology: { minTerms: 2, orInTitle: true } } }, /"strength"\."biology" must be/],
    ['a strength with an unknown key', { ...RULE, strength: { ai: { minTerms: 2, orInTitle: false, inAbstract: true } } }, /"strength"\."ai" must be/],
  ])('rejects a rule.json with %s', async (_name, rule, message) => {
    await writeRule({ 'ai.txt': 'x\n', 'med.txt': 'y\n', 'ex.txt': '' }, rule);
    await expect(loadKeywordRules(dir)).rejects.toThrow(message);
  });
});

describe('acronymDefinitionPattern', () => {
  it.each([
    ['AI', 'aortic insufficiency (AI)', true],
    ['AI', 'Azadirachta indica (AIs)', true],
    ['AI', 'artificial-intelligence (AI)', true],
    ['AI', 'AI (AI)', false],
    ['AI', 'aortic valve insufficiency (AI)', false],
    ['LSTM', 'long short-term memory (LSTM)', true],
    ['NLP', 'no light perception(NLP)', true],
  ])('%s in %j -> %s', (acronym, text, expected) => {
    expect(new RegExp(acronymDefinitionPattern(acronym)).test(text)).toBe(expected);
  });
});

describe('termPattern', () => {
  it.each([
    // [term, case-sensitive, text, matches]
    ['neural network', false, 'Neural-Networks', true],
    ['neural network', false, 'neuralnetwork', false],
    ['therapy', false, 'therapies', true],
    ['diagnosis', false, 'diagnoses', true],
    ['AI', true, 'AIs', true],
    ['AI', true, 'Ai', false],
    ['COVID-19', false, 'covid 19', true],
    ['U-Net', false, 'U-Nets', true],
    ['k-nearest neighbor', false, 'K-Nearest-Neighbors', true],
  ])('%s (case %s) vs %j -> %s', (term, cs, text, expected) => {
    expect(new RegExp(termPattern(term, 'word', cs)).test(text)).toBe(expected);
  });
});
