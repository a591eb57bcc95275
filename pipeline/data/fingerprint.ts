/**
 * The dataset's content fingerprint, as ../shared/data/README.md defines it: the SHA-256
 * of the sorted lines `<Class>/<file name> <SHA-256 of the file's bytes>\n`, one per
 * image. It names files by class folder and file name only, so the same images give
 * the same value whether they come as a folder, a Kaggle zip or GitHub's archive.
 *
 * "One per image" here means every image file in a class folder, including any that
 * later fail to decode: the fingerprint describes the data as shipped, and what gets
 * skipped follows from it (and from DECODER_VERSION). Files above the size limit
 * (archive.ts: DEFAULT_MAX_FILE_BYTES) are never read, so they are not in it. File names
 * are the shown names (names.ts), so a name with a line break cannot forge a line.
 */
import { createHash } from 'node:crypto';
import { openArchive, type OpenOptions } from './archive.ts';

/** The value the shared copy, Kaggle's archive and GitHub's archive all give. */
export const MEDICAL_MNIST_FINGERPRINT = '3e532706b04fac7782e817fad99993424546386205346e816ed88332a01f84a6';

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function fingerprintOf(images: Iterable<{ file: string; sha256: string }>): string {
  const lines = Array.from(images, (i) => `${i.file} ${i.sha256}\n`);
  // Code-point order (JS string comparison), not locale order.
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const h = createHash('sha256');
  for (const l of lines) h.update(l, 'utf8');
  return h.digest('hex');
}

/** Reads and hashes every image of a folder or zip without decoding (about 3 s for the full zip). */
export async function fingerprintArchive(p: string, opts: OpenOptions = {}): Promise<string> {
  const archive = await openArchive(p, opts);
  try {
    const images: { file: string; sha256: string }[] = [];
    for await (const f of archive.read()) if (!f.readError) images.push({ file: f.file, sha256: sha256Hex(f.bytes) });
    return fingerprintOf(images);
  } finally {
    await archive.close();
  }
}
