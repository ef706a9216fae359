/**
 * `medai-trends explain <openalex-id>`: prints why one work is in or out of the medical-AI count:
 * each matched term with the list line defining it and the text it matched, the masks and vetoes
 * that applied, the MeSH label when there is one, and the verdict stored by the last classify run.
 */
import { statSync } from 'node:fs';
import { VARCHAR } from '@duckdb/node-api';
import { classifyWithDetail, type ClassificationDetail } from '../classify/classifier.js';
import { loadKeywordRules, type KeywordRules } from '../classify/keywords.js';
import { UserError } from '../errors.js';
import { loadMeshSubtree, meshLabel, type MeshLabel } from '../evaluate/mesh.js';
import { openExistingStore, readSnapshotWorks } from '../evaluate/source.js';
import { normalizeWork, shortWorkId, type Work } from '../model/work.js';
import { parseOrigin, recordAt, resolveRecordFile } from '../ingest/record-at.js';
import { compactSource } from '../pipeline/compact.js';
import type { SnapshotSource } from '../pipeline/provenance.js';
import type { Store } from '../store/store.js';
import type { CliIo } from './io.js';
import { Problems, parseWait } from './options.js';

export interface ExplainFlags {
  db: string;
  snapshot?: string[];
  keywords?: string;
  wait?: string;
}

export interface StoredVerdict {
  isMedical: boolean;
  isAi: boolean;
  matchedTerms: string[];
}

function excerpt(text: string | null, max = 300): string {
  if (text === null) return '(none)';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

/** The explanation as text lines: pure, so it is tested without a terminal. */
function explanationLines(
  work: Work,
  rules: KeywordRules,
  d: ClassificationDetail,
  mesh: MeshLabel | null,
  stored: StoredVerdict | null,
  repairs: readonly string[] = [],
): string[] {
  const group = (g: string) => d.hits.filter((h) => h.label.startsWith(`${g}:`));
  const half = (g: 'ai' | 'medical', on: boolean): string[] => [
    `${g === 'ai' ? 'AI' : 'Medical'} half: ${on ? 'yes' : 'no'}`,
    ...(group(g).length === 0 ? ['  no term matched'] : group(g).map((h) => `  ${h.label}  matched "${h.text.replace(/\s+/g, ' ')}"  (${h.source})`)),
  ];
  const missing = rules.require.filter((g) => !(g === 'ai' ? d.isAi : d.isMedical));
  const why = (g: 'ai' | 'medical'): string => {
    const name = g === 'ai' ? 'AI' : 'medical';
    const need = rules.strength[g];
    const n = group(g).length;
    if (n === 0 || need === undefined) return `no ${name} term`;
    return `${n} ${name} term${n === 1 ? '' : 's'}${need.orInTitle ? ', none in the title' : ''}; the rule asks for ${need.minTerms} different ones${need.orInTitle ? ' or one in the title' : ''}`;
  };
  const lines = [
    `${work.id} (${work.year}): ${work.title ?? '(no title)'}`,
    `Abstract: ${excerpt(work.abstract)}`,
    ...repairs.map((r) => `Record repaired: ${r}`),
    '',
    d.isMedicalAi
      ? `IN: medical AI (every required group matched: ${rules.require.join(', ')})`
      : `OUT: not medical AI (${missing.map(why).join('; ')})`,
    '',
    ...half('ai', d.isAi),
    ...half('medical', d.isMedical),
  ];
  if (d.masked.length > 0) {
    lines.push('', 'Masked before matching (exclusions):', ...d.masked.map((m) => `  "${m.text.replace(/\s+/g, ' ')}" by mask "${m.phrase}" (${m.source})`));
  }
  if (d.vetoed.length > 0) {
    lines.push('', 'Switched off by a veto phrase in the text:', ...d.vetoed.map((v) => `  ${v.label} because the text has "${v.text.replace(/\s+/g, ' ')}" (veto "${v.phrase}", ${v.source})`));
  }
  lines.push(
    '',
    mesh === null
      ? 'MeSH: no headings (not indexed for MEDLINE), so no independent label'
      : `MeSH: ${mesh.ai ? `AI-positive (${mesh.headings.join(', ')})` : 'no heading in the AI subtree'}`,
  );
  if (stored !== null) {
    const same = stored.isAi === d.isAi && stored.isMedical === d.isMedical && JSON.stringify(stored.matchedTerms) === JSON.stringify(d.matchedTerms);
    lines.push(
      same
        ? 'Stored verdict (last classify run): the same'
        : `Stored verdict (last classify run) differs: medical ${stored.isMedical}, AI ${stored.isAi}, terms ${stored.matchedTerms.join(', ') || '-'}; rerun \`medai-trends classify\` with these keyword lists to update it`,
    );
  }
  lines.push(`Keyword rule: ${rules.dir}`);
  return lines;
}

/**
 * The stored work's record read again from the file and record number in works.origin, resolved
 * against the working folder, else under the snapshot roots the store recorded; null when the
 * origin names no file (an API page). A file gone, or no longer holding that work there, is an
 * error saying so: the compact store cannot explain the work without it.
 */
async function rereadWork(store: Store, source: SnapshotSource, id: string, cwd: string): Promise<{ work: Work; notes: string[] } | null> {
  const [row] = await store.query<{ origin: string }>('work_origin', { id }, { id: VARCHAR });
  const at = row === undefined ? null : parseOrigin(row.origin);
  if (at === null) return null;
  const roots = source.roots ?? [];
  const file = resolveRecordFile(at.path, cwd, roots);
  const stored = 'the database keeps no abstract or authorships for it (a compact store), so explain reads the record again';
  if (file === null) {
    const where = roots.length === 0 ? '' : ` nor under the snapshot folders ${roots.join(', ')}`;
    throw new UserError(`${id} was read from ${at.path} (record ${at.n}), which is not there any more (not in ${cwd}${where}); ${stored}: put the file back, or run explain --snapshot <files>`);
  }
  const recorded = source.files.find((f) => f.path === file || file.endsWith(f.path) || f.path.endsWith(at.path));
  const changed = (why: string) => new UserError(`${id} was read from ${at.path} (record ${at.n}), but ${file} ${why}: the file changed since it was read; ${stored}: run explain --snapshot <files>, or read the snapshot again`);
  if (recorded !== undefined) {
    const { size } = statSync(file);
    if (size !== recorded.bytes) throw changed(`is ${size} bytes, not the ${recorded.bytes} read`);
  }
  let raw: unknown;
  try {
    raw = await recordAt(file, at.n);
  } catch (e) {
    if (e instanceof UserError) throw changed(`cannot give it: ${e.message}`);
    throw e;
  }
  const n = normalizeWork(raw);
  if (!n.ok || n.work.id !== id) throw changed(`holds ${n.ok ? n.work.id : `a record set aside (${n.reason})`} there`);
  return { work: n.work, notes: n.notes };
}

/** The action of `explain`, declared in main.ts. */
export async function explainCommand(rawId: string, o: ExplainFlags, io: CliIo): Promise<void> {
  const id = shortWorkId(rawId.trim());
  if (id === null) throw new UserError(`"${rawId}" is not an OpenAlex work id (W followed by digits)`);
  const p = new Problems();
  const wait = parseWait(p, o.wait);
  p.throwIfAny();
  const rules = await loadKeywordRules(o.keywords);
  const subtree = await loadMeshSubtree();
  let work: Work | null;
  let stored: StoredVerdict | null = null;
  let repairs: string[] = [];
  let where: string;
  if (o.snapshot !== undefined) {
    const read = await readSnapshotWorks(o.snapshot);
    work = read.works.get(id) ?? null;
    repairs = read.notes.get(id) ?? [];
    where = `the snapshot files ${o.snapshot.join(', ')}`;
  } else {
    const locked = await openExistingStore(o.db, io.effects, wait);
    const { store } = locked;
    try {
      work = await store.getWork(id);
      repairs = (await store.repairNotes()).get(id) ?? [];
      // A compact store (the duckdb snapshot reader) keeps neither abstract nor authorships: the record is read again from its file.
      const compact = work === null ? null : await compactSource(store);
      if (compact !== null) {
        const reread = await rereadWork(store, compact, id, io.cwd);
        if (reread !== null) [work, repairs] = [reread.work, reread.notes];
      }
      const [r] = await store.query('classify_stored', { work_id: id }, { work_id: VARCHAR });
      if (r !== undefined) stored = { isMedical: r.is_medical === true, isAi: r.is_ai === true, matchedTerms: (r.matched_terms as string[]) ?? [] };
    } finally {
      locked.close();
    }
    where = `the database ${o.db}`;
  }
  if (work === null) throw new UserError(`${id} is not in ${where}`);
  const detail = classifyWithDetail(work, rules);
  io.effects.stdout(`${explanationLines(work, rules, detail, meshLabel(work.mesh, subtree), stored, repairs).join('\n')}\n`);
}
