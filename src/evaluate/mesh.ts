/**
 * Independent labels for the AI half: a work is AI-positive when one of its MeSH headings is in
 * the Artificial Intelligence subtree listed in data/mesh/ai-subtree.tsv (by id or by name).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { MeshHeading } from '../model/work.js';
import { DATA_DIR } from '../paths.js';

const DEFAULT_MESH_SUBTREE = join(DATA_DIR, 'mesh', 'ai-subtree.tsv');

export interface MeshSubtree {
  readonly path: string;
  readonly entries: readonly { ui: string; name: string; robotics: boolean }[];
}

export async function loadMeshSubtree(path: string = DEFAULT_MESH_SUBTREE): Promise<MeshSubtree> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the MeSH subtree list ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const entries: MeshSubtree['entries'][number][] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) return;
    const [ui = '', name = '', note = ''] = line.split('\t');
    if ((ui !== '' && !/^D\d+$/.test(ui)) || name.trim() === '') throw new UserError(`${path}:${i + 1}: expected "<D-id or empty>\\t<descriptor name>\\t<note>"`);
    entries.push({ ui, name: name.trim(), robotics: note.trim() === 'robotics' });
  });
  return { path, entries };
}

export interface MeshLabel {
  /** Some heading is in the subtree (Robotics included). */
  ai: boolean;
  /** Some heading other than Robotics is in the subtree. */
  aiWithoutRobotics: boolean;
  /** The subtree headings found, by name, for the report. */
  headings: string[];
  /** Headings whose id is listed but whose name differs: a sign the list or the record is wrong. */
  idNameMismatches: string[];
}

/** Labels one work; null when it has no MeSH headings (not indexed for MEDLINE: no label). */
export function meshLabel(mesh: readonly MeshHeading[] | null, subtree: MeshSubtree): MeshLabel | null {
  if (mesh === null || mesh.length === 0) return null;
  const byUi = new Map(subtree.entries.filter((e) => e.ui !== '').map((e) => [e.ui, e]));
  const byName = new Map(subtree.entries.map((e) => [e.name.toLowerCase(), e]));
  const found = new Map<string, boolean>();
  const idNameMismatches: string[] = [];
  for (const h of mesh) {
    const viaUi = byUi.get(h.descriptorUi);
    const viaName = byName.get(h.descriptorName.toLowerCase());
    const entry = viaUi ?? viaName;
    if (entry === undefined) continue;
    if (viaUi !== undefined && h.descriptorName !== '' && viaUi.name.toLowerCase() !== h.descriptorName.toLowerCase()) {
      idNameMismatches.push(`${h.descriptorUi} "${h.descriptorName}" (list: "${viaUi.name}")`);
    }
    found.set(entry.name, entry.robotics);
  }
  return {
    ai: found.size > 0,
    aiWithoutRobotics: [...found.values()].some((robotics) => !robotics),
    headings: [...found.keys()].sort(),
    idNameMismatches,
  };
}
