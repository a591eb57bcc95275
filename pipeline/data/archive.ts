/**
 * Lists and reads the image files of a dataset packed as a folder or a .zip with one
 * folder per class: at the top (the Kaggle layout, `AbdomenCT/000000.jpeg`) or deeper
 * (GitHub's archive of the original repository, `<repo>-<commit>/resized/AbdomenCT/…`,
 * which also holds unrelated files such as `images/mayologo.png`).
 *
 * The folder that holds the class folders (the "class root") is the grandparent of the
 * most image files; every other file is passed over and counted, never read.
 *
 * Memory is bounded whatever the data holds: every candidate image's size is known before
 * it is read (the zip's central directory, `stat` for a folder), and one above
 * `maxFileBytes` (default 64 MiB) is skipped and named, never read. Pipes, sockets and
 * devices are never opened. Image files in memory at once: a zip's entries are inflated
 * one at a time into a buffer of their declared size, and the decoder holds at most
 * DEFAULT_DECODE_CONCURRENCY (8), so at most 9 files (9 × maxFileBytes, 576 MiB, at
 * worst); a folder reads ahead at most 16 files and 64 MiB (or one larger file), so at
 * most 8 + 16 files and 8 × maxFileBytes + max(64 MiB, maxFileBytes) bytes. (A zip of up
 * to 1 GiB is also held whole, for speed; larger ones are read through a descriptor.)
 */
import { createHash } from 'node:crypto';
import { constants, createReadStream, type Stats } from 'node:fs';
import { open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import yauzl from 'yauzl';
import { DataError } from './errors.ts';
import { formatBytes, oneLine, shownName } from './names.ts';

export const EXPECTED_LAYOUT = 'expected one folder per class containing images, e.g. AbdomenCT/000000.jpeg';

/**
 * The models take their class count from the data (any number from 2); labels are kept
 * as one byte per image, which bounds it. Checked on listing, before anything is decoded.
 */
export const MAX_CLASSES = 256;

/** Names that mark an image file. A file without any extension is sniffed by its first bytes instead. */
const IMAGE_EXTENSIONS = new Set(['.jpeg', '.jpg', '.jpe', '.png', '.gif', '.webp', '.tif', '.tiff', '.bmp', '.avif']);
/** Operating-system litter that is not hidden by a leading dot. */
const SYSTEM_NAMES = new Set(['__macosx', 'thumbs.db', 'desktop.ini']);

/** Zips up to this size are read into memory: random access to 59k small entries is ~4× faster than through a file descriptor. */
const DEFAULT_MAX_IN_MEMORY = 1 << 30;

/**
 * The largest file that is read (option `maxFileBytes`): 64 MiB. A 64×64 Medical MNIST
 * JPEG is about 2 KB, and even an uncompressed 4096×4096 RGBA image is 64 MiB; a larger
 * file (a whole-slide TIFF, a DICOM series, a video, a zip bomb) is skipped and named with
 * its size before a byte of it is read: its size comes from the zip's central directory
 * (yauzl's validateEntrySizes makes an entry that inflates past it an error) or from
 * `stat` for a folder.
 */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * A folder's files are read ahead of the decoder: at most this many files, and at most
 * READ_AHEAD_BYTES of them together (one file at a time when a file alone is larger).
 */
const READ_AHEAD_FILES = 16;
const READ_AHEAD_BYTES = 64 * 1024 * 1024;

export interface OpenOptions {
  /** Zips up to this size are read into memory (default 1 GiB). */
  maxInMemoryBytes?: number;
  /** Files larger than this are skipped and named, never read (default DEFAULT_MAX_FILE_BYTES). */
  maxFileBytes?: number;
}

function tooLarge(size: number, limit: number): string {
  return `file too large: ${formatBytes(size)}, above the limit of ${formatBytes(limit)} per file (--max-file-bytes); not read`;
}

/** What a directory entry that is neither a file, a folder nor a link is. */
function specialKind(s: { isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string {
  if (s.isFIFO()) return 'named pipe';
  if (s.isSocket()) return 'socket';
  if (s.isBlockDevice()) return 'block device';
  if (s.isCharacterDevice()) return 'character device';
  return 'unknown file type';
}

export type PathKind = 'hidden' | 'image' | 'unknown' | 'other';

/** What a '/'-separated relative path is, judged by its name alone. */
export function classifyPath(rel: string): PathKind {
  const parts = rel.split('/').filter(Boolean);
  if (parts.some((p) => p.startsWith('.') || SYSTEM_NAMES.has(p.toLowerCase()))) return 'hidden';
  const base = parts[parts.length - 1] ?? '';
  const ext = path.posix.extname(base).toLowerCase();
  if (ext === '') return 'unknown';
  return IMAGE_EXTENSIONS.has(ext) ? 'image' : 'other';
}

/** Whether bytes start like an image format (for files whose name has no extension). */
export function looksLikeImage(b: Uint8Array): boolean {
  const starts = (...sig: number[]) => sig.every((v, i) => b[i] === v);
  const ascii = (at: number, s: string) => [...s].every((ch, i) => b[at + i] === ch.charCodeAt(0));
  return (
    starts(0xff, 0xd8, 0xff) || // JPEG
    starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) || // PNG
    ascii(0, 'GIF8') ||
    starts(0x49, 0x49, 0x2a, 0x00) || // TIFF, little-endian
    starts(0x4d, 0x4d, 0x00, 0x2a) || // TIFF, big-endian
    (ascii(0, 'RIFF') && ascii(8, 'WEBP')) ||
    ascii(0, 'BM')
  );
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface ArchiveEntry {
  className: string;
  /** File name within its class folder (a relative path if the class folder has subfolders). */
  name: string;
  /**
   * `<Class>/<name>`: the layout-independent identity used in fingerprints and reports.
   * Class, name and file are shown names (names.ts: control characters escaped).
   */
  file: string;
  /** Path inside the archive or folder, as it is (to read the file). */
  path: string;
  /** Size declared by the zip's central directory or by `stat`. */
  size: number;
  /** Position in `Archive.entries` (sorted by `file`). */
  index: number;
  /** No extension: read, then kept only if its bytes look like an image. */
  sniff: boolean;
}

export interface ImageFile {
  className: string;
  name: string;
  file: string;
  index: number;
  bytes: Buffer;
  /** Why the bytes could not be read (then `bytes` is empty); the file is skipped, not fatal. */
  readError: string | null;
}

export interface Archive {
  kind: 'zip' | 'folder';
  /** Folder inside the archive that holds the class folders: '' (top) or ending in '/'. */
  classRoot: string;
  /** Class folder names, sorted by code point. */
  classes: string[];
  /** Candidate image files in class folders, sorted by `file`. */
  entries: ArchiveEntry[];
  /** Passed over. `nonImage` also grows during read() when an extension-less file is not an image. */
  ignored: { hidden: number; nonImage: number };
  /** Image files outside the class folders (passed over), as paths inside the archive. */
  outside: string[];
  /**
   * Passed over, each named: symbolic link loops, broken links, links between class
   * folders, files that are not regular files (pipes, sockets, devices) and image files
   * above the size limit.
   */
  passedOver: SkippedPath[];
  /** Reads every entry once; yields only images (see `ignored`). */
  read(): AsyncGenerator<ImageFile>;
  close(): Promise<void>;
}

interface Listing {
  files: string[];
  dirs: string[];
  /** Each file's size, where known (files without one are taken as small). */
  sizes?: Map<string, number>;
}

interface Layout {
  classRoot: string;
  classes: string[];
  entries: ArchiveEntry[];
  ignored: { hidden: number; nonImage: number };
  outside: string[];
  /** Candidate images above `maxFileBytes`: never read. */
  tooLarge: SkippedPath[];
}

/**
 * Decides where the class folders are and which files are candidate images. `where`
 * and the paths are as they are; the layout's class and file names are shown names.
 */
export function planLayout(where: string, listing: Listing, maxFileBytes = DEFAULT_MAX_FILE_BYTES): Layout {
  where = shownName(where);
  let hidden = 0;
  let nonImage = 0;
  const visible: { rel: string; kind: PathKind }[] = [];
  for (const rel of listing.files) {
    const kind = classifyPath(rel);
    if (kind === 'hidden') hidden++;
    else visible.push({ rel, kind });
  }

  const votes = new Map<string, number>();
  for (const { rel, kind } of visible) {
    const parts = rel.split('/');
    if (kind !== 'image' || parts.length < 2) continue;
    const root = parts.slice(0, -2).join('/');
    votes.set(root, (votes.get(root) ?? 0) + 1);
  }
  if (votes.size === 0) throw new DataError(`no class folders in ${where}: ${EXPECTED_LAYOUT}`);
  const depth = (r: string) => (r === '' ? 0 : r.split('/').length);
  const [root] = [...votes.entries()].sort((a, b) => b[1] - a[1] || depth(a[0]) - depth(b[0]) || byCodePoint(a[0], b[0]))[0]!;
  const prefix = root === '' ? '' : `${root}/`;

  const classes = new Set<string>();
  for (const dir of listing.dirs) {
    const rel = dir.replace(/\/$/, '');
    if (!rel.startsWith(prefix) || classifyPath(rel) === 'hidden') continue;
    const below = rel.slice(prefix.length).split('/');
    if (below[0]) classes.add(below[0]);
  }
  const seen = new Set<string>();
  const entries: ArchiveEntry[] = [];
  const outside: string[] = [];
  const tooBig: SkippedPath[] = [];
  const counts = new Map<string, number>();
  for (const { rel, kind } of visible) {
    const below = rel.startsWith(prefix) ? rel.slice(prefix.length).split('/') : [];
    if (below.length < 2) {
      if (kind === 'image') outside.push(shownName(rel));
      else nonImage++;
      continue;
    }
    classes.add(below[0]!);
    if (kind === 'other') {
      nonImage++;
      continue;
    }
    const className = shownName(below[0]!);
    const name = shownName(below.slice(1).join('/'));
    const file = `${className}/${name}`;
    if (seen.has(file)) throw new DataError(`${where} holds ${shownName(rel)} twice: expected each image once`);
    seen.add(file);
    counts.set(className, (counts.get(className) ?? 0) + 1);
    const size = listing.sizes?.get(rel) ?? 0;
    if (size > maxFileBytes) tooBig.push({ file, reason: tooLarge(size, maxFileBytes) });
    else entries.push({ className, name, file, path: rel, size, index: -1, sniff: kind === 'unknown' });
  }
  entries.sort((a, b) => byCodePoint(a.file, b.file));
  entries.forEach((e, i) => (e.index = i));
  tooBig.sort((a, b) => byCodePoint(a.file, b.file));

  const sorted = [...classes].map(shownName).sort(byCodePoint);
  if (sorted.length > MAX_CLASSES)
    throw new DataError(`${sorted.length} class folders in ${where}: at most ${MAX_CLASSES} classes are supported (labels are stored as one byte each)`);
  if (sorted.length < 2)
    throw new DataError(`only one class folder (${shownName(prefix)}${sorted[0]}/) in ${where}: ${EXPECTED_LAYOUT}, for at least two classes`);
  const empty = sorted.filter((c) => !counts.get(c));
  if (empty.length)
    throw new DataError(
      `class folder${empty.length > 1 ? 's' : ''} ${empty.map((c) => `${shownName(prefix)}${c}/`).join(', ')} in ${where} ${empty.length > 1 ? 'have' : 'has'} no images: ${EXPECTED_LAYOUT}`,
    );
  outside.sort(byCodePoint);
  return { classRoot: prefix, classes: sorted, entries, ignored: { hidden, nonImage }, outside, tooLarge: tooBig };
}

/** A file or folder the walk passed over, with why (named in a warning and in the manifest). */
export interface SkippedPath {
  file: string;
  reason: string;
}

/** What a file's stat says about its content without reading it. */
interface FileStamp {
  size: number;
  mtimeMs: number;
  /** Change time: set by the kernel on every write or metadata change, and unlike mtime it cannot be set back. */
  ctimeMs: number;
  ino: number;
}

interface Walked extends Listing {
  stats: Map<string, FileStamp>;
  /** Files reached through a symbolic link: their real path. */
  linked: Map<string, string>;
  /** Symbolic link loops, broken links and files that are not regular files (pipes, sockets, devices), passed over. */
  skipped: SkippedPath[];
  /** Such files under hidden names (`.X11-unix/`, a `.lock` socket): counted as hidden, not named. */
  hiddenSpecial: number;
}

/**
 * Every file and folder below `root`, as '/'-separated relative paths. Symbolic links are
 * followed, except a link back to a folder it sits in (a loop), which is passed over and
 * named, as is a link that leads nowhere.
 */
async function walk(root: string): Promise<Walked> {
  const files: string[] = [];
  const dirs: string[] = [];
  const stats = new Map<string, FileStamp>();
  const linked = new Map<string, string>();
  const skipped: SkippedPath[] = [];
  let hiddenSpecial = 0;
  async function visit(dir: string, rel: string, depth: number, viaLink: boolean, ancestors: Map<string, string>): Promise<void> {
    if (depth > 32) throw new DataError(`folders nested more than 32 deep at ${shownName(dir)}: ${EXPECTED_LAYOUT}`);
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, d.name);
      const r = rel ? `${rel}/${d.name}` : d.name;
      const link = d.isSymbolicLink();
      let s = null;
      if (link) {
        try {
          s = await stat(full);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          skipped.push({ file: shownName(r), reason: code === 'ELOOP' ? 'symbolic link loop' : `broken symbolic link (${code ?? oneLine(e)})` });
          continue;
        }
      }
      if (d.isDirectory() || s?.isDirectory()) {
        const real = await realpath(full);
        const loop = ancestors.get(real);
        if (loop !== undefined) {
          skipped.push({ file: shownName(r), reason: `symbolic link loop (leads back to ${shownName(loop) || 'the data folder'})` });
          continue;
        }
        dirs.push(r);
        await visit(full, r, depth + 1, viaLink || link, new Map(ancestors).set(real, r));
      } else if (d.isFile() || s?.isFile()) {
        const st = s ?? (await stat(full));
        files.push(r);
        stats.set(r, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino });
        if (viaLink || link) linked.set(r, await realpath(full));
      } else {
        // A pipe, socket or device: never opened (reading a pipe would block for ever).
        if (classifyPath(r) === 'hidden') hiddenSpecial++;
        else skipped.push({ file: shownName(r), reason: `not a regular file (${specialKind(s ?? d)}); not read` });
      }
    }
  }
  await visit(root, '', 0, false, new Map([[await realpath(root), '']]));
  return { files, dirs, stats, linked, skipped, hiddenSpecial };
}

/**
 * The rule for symbolic links between class folders: an image's label is the class
 * folder its file really lives in. A link in one class folder to a file in another
 * would add that image under the wrong label, so it is passed over and named.
 * (Links to files outside the data folder, or within the same class folder, are read.)
 */
async function crossClassLinks(root: string, walked: Walked, classRoot: string, classes: string[]): Promise<(SkippedPath & { rel: string })[]> {
  if (walked.linked.size === 0) return [];
  const realRoot = await realpath(root);
  const out: (SkippedPath & { rel: string })[] = [];
  for (const [rel, real] of walked.linked) {
    if (!rel.startsWith(classRoot)) continue;
    const inside = path.relative(realRoot, real).split(path.sep).join('/');
    if (inside.startsWith('../') || path.isAbsolute(inside) || !inside.startsWith(classRoot)) continue;
    const realClass = inside.slice(classRoot.length).split('/')[0]!;
    const linkClass = rel.slice(classRoot.length).split('/')[0]!;
    if (realClass !== linkClass && classes.includes(shownName(realClass)))
      out.push({
        rel,
        file: shownName(rel.slice(classRoot.length)),
        reason: `symbolic link into another class folder (${shownName(inside.slice(classRoot.length))}): its label would be wrong`,
      });
  }
  return out.sort((a, b) => byCodePoint(a.file, b.file));
}

async function streamToBuffer(s: NodeJS.ReadableStream, size: number): Promise<Buffer> {
  // validateEntrySizes ends the stream with an error before it passes the declared size.
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for await (const c of s) {
    const chunk = c as Buffer;
    if (at + chunk.length > size) throw new Error(`too many bytes in the stream. expected ${size}. got at least ${at + chunk.length}`);
    chunk.copy(out, at);
    at += chunk.length;
  }
  return at === size ? out : out.subarray(0, at);
}

type Read = { bytes: Buffer; readError: string | null };
const unread = (readError: string): Read => ({ bytes: Buffer.alloc(0), readError });

/**
 * Reads a folder's file, at most `limit` bytes: opened without blocking (a file swapped
 * for a pipe since the walk must not hang the run), checked to be a regular file no
 * larger than the limit, then read up to the size `stat` gave.
 */
async function readBounded(file: string, limit: number): Promise<Read> {
  let fh;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return unread(`cannot read file (${oneLine(e)})`);
  }
  try {
    const st: Stats = await fh.stat();
    if (!st.isFile()) return unread(`not a regular file (${specialKind(st)}); not read`);
    if (st.size > limit) return unread(tooLarge(st.size, limit));
    const bytes = Buffer.allocUnsafe(st.size);
    let at = 0;
    while (at < st.size) {
      const { bytesRead } = await fh.read(bytes, at, st.size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return { bytes: at === st.size ? bytes : bytes.subarray(0, at), readError: null };
  } catch (e) {
    return unread(`cannot read file (${oneLine(e)})`);
  } finally {
    await fh.close().catch(() => {});
  }
}

async function openFolder(dir: string, maxFileBytes: number): Promise<Archive> {
  const walked = await walk(dir);
  const sizes = new Map([...walked.stats].map(([f, st]) => [f, st.size]));
  let layout = planLayout(dir, { ...walked, sizes }, maxFileBytes);
  const crossing = await crossClassLinks(dir, walked, layout.classRoot, layout.classes);
  if (crossing.length) {
    const drop = new Set(crossing.map((c) => c.rel));
    layout = planLayout(dir, { files: walked.files.filter((f) => !drop.has(f)), dirs: walked.dirs, sizes }, maxFileBytes);
  }
  const archive: Archive = {
    kind: 'folder',
    ...layout,
    ignored: { ...layout.ignored, hidden: layout.ignored.hidden + walked.hiddenSpecial },
    passedOver: [...walked.skipped, ...crossing.map(({ file, reason }) => ({ file, reason })), ...layout.tooLarge],
    async *read() {
      // A short look-ahead of reads keeps the disk busy while the consumer decodes: at
      // most READ_AHEAD_FILES files and READ_AHEAD_BYTES bytes (or one file, if larger).
      const entries = layout.entries;
      const pending: Promise<Read>[] = [];
      let next = 0;
      let ahead = 0;
      const fill = (from: number) => {
        while (next < entries.length && (next === from || (next - from < READ_AHEAD_FILES && ahead + entries[next]!.size <= READ_AHEAD_BYTES))) {
          const e = entries[next++]!;
          ahead += e.size;
          pending.push(readBounded(path.join(dir, ...e.path.split('/')), maxFileBytes));
        }
      };
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        fill(i);
        const got = await pending[i]!;
        delete pending[i];
        ahead -= e.size;
        if (e.sniff && !got.readError && !looksLikeImage(got.bytes)) {
          archive.ignored.nonImage++;
          continue;
        }
        yield { className: e.className, name: e.name, file: e.file, index: e.index, ...got };
      }
    },
    async close() {},
  };
  return archive;
}

/**
 * yauzl's errors for an entry whose central-directory record declares sizes or offsets
 * the archive does not have: the zip is damaged, and the run stops (one line).
 */
const ZIP_STRUCTURE = /invalid local file header signature|file data overflows file bounds|too many bytes in the stream|not enough bytes in the stream|size mismatch|unexpected EOF/i;

/** Deflate cannot pack more than 1032 bytes into one (258-byte matches in 2 bits). */
const MAX_DEFLATE_RATIO = 1032;

function damaged(file: string, what: string): DataError {
  return new DataError(`${shownName(file)} is a damaged zip: ${what}; expected an intact .zip (truncated in a download, or its central directory declares sizes or offsets it does not have)`);
}

async function openZip(file: string, size: number, maxInMemory: number, maxFileBytes: number): Promise<Archive> {
  const options: yauzl.Options = { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true };
  let zip: yauzl.ZipFile;
  try {
    zip = size <= maxInMemory ? await yauzl.fromBufferPromise(await readFile(file), options) : await yauzl.openPromise(file, options);
  } catch (e) {
    throw new DataError(`cannot read ${shownName(file)} as a zip (${oneLine(e)}): expected a folder or a .zip with one folder per class`);
  }
  const byPath = new Map<string, yauzl.Entry>();
  const listing: Listing = { files: [], dirs: [], sizes: new Map() };
  try {
    for await (const entry of zip.eachEntry()) {
      // Every declared size and offset is checked against the archive before anything is read.
      const name = shownName(entry.fileName);
      const dataStart = entry.relativeOffsetOfLocalHeader + 30 + entry.fileNameLength;
      if (dataStart + entry.compressedSize > size)
        throw damaged(
          file,
          `entry ${name} declares ${formatBytes(entry.compressedSize)} of data at offset ${entry.relativeOffsetOfLocalHeader}, past the end of the ${formatBytes(size)} archive`,
        );
      if (entry.compressionMethod === 8 && entry.uncompressedSize > entry.compressedSize * MAX_DEFLATE_RATIO + 1024)
        throw damaged(
          file,
          `entry ${name} declares ${formatBytes(entry.uncompressedSize)} inflated from ${formatBytes(entry.compressedSize)}, more than deflate can hold`,
        );
      if (entry.fileName.endsWith('/')) listing.dirs.push(entry.fileName);
      else {
        listing.files.push(entry.fileName);
        listing.sizes!.set(entry.fileName, entry.uncompressedSize);
        byPath.set(entry.fileName, entry);
      }
    }
  } catch (e) {
    zip.close();
    if (e instanceof DataError) throw e;
    throw damaged(file, `cannot read its entries (${oneLine(e)})`);
  }
  let layout: Layout;
  try {
    layout = planLayout(file, listing, maxFileBytes);
  } catch (e) {
    zip.close();
    throw e;
  }
  const archive: Archive = {
    kind: 'zip',
    ...layout,
    passedOver: layout.tooLarge,
    async *read() {
      for (const e of layout.entries) {
        let bytes: Buffer = Buffer.alloc(0);
        let readError: string | null = null;
        try {
          bytes = await streamToBuffer(await zip.openReadStreamPromise(byPath.get(e.path)!), e.size);
        } catch (err) {
          const why = oneLine(err);
          if (ZIP_STRUCTURE.test(why)) throw damaged(file, `entry ${shownName(e.path)}: ${why}`);
          readError = `cannot read zip entry (${why})`;
        }
        if (e.sniff && !readError && !looksLikeImage(bytes)) {
          archive.ignored.nonImage++;
          continue;
        }
        yield { className: e.className, name: e.name, file: e.file, index: e.index, bytes, readError };
      }
    },
    async close() {
      zip.close();
    },
  };
  return archive;
}

/** Opens a folder or a .zip (any other file is tried as a zip). */
export async function openArchive(p: string, opts: OpenOptions = {}): Promise<Archive> {
  const s = await stat(p).catch(() => null);
  if (!s) throw new DataError(`data not found: ${shownName(p)} (expected a folder or a .zip with one folder per class)`);
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!(Number.isSafeInteger(maxFileBytes) && maxFileBytes > 0)) throw new DataError(`the largest file to read must be a positive whole number of bytes, got ${maxFileBytes}`);
  if (s.isDirectory()) return openFolder(p, maxFileBytes);
  if (!s.isFile()) throw new DataError(`data ${shownName(p)} is not a regular file (${specialKind(s)}): expected a folder or a .zip with one folder per class`);
  return openZip(p, s.size, opts.maxInMemoryBytes ?? DEFAULT_MAX_IN_MEMORY, maxFileBytes);
}

/**
 * What the decoded dataset depends on, cheaply: a zip's SHA-256 (0.3 s for the 86 MB
 * archive); for a folder, a SHA-256 over every path with its size, modification time,
 * change time and inode (a stat per file instead of reading 59k files on every run).
 * The change time catches a file edited in place with its size and mtime kept (or set
 * back, as `touch -r` or a restore does): the kernel sets it on every write.
 */
export async function archiveContentKey(p: string): Promise<{ kind: 'zip' | 'folder'; key: string }> {
  const s = await stat(p).catch(() => null);
  if (!s) throw new DataError(`data not found: ${shownName(p)} (expected a folder or a .zip with one folder per class)`);
  const h = createHash('sha256');
  if (!s.isDirectory()) {
    if (!s.isFile()) throw new DataError(`data ${shownName(p)} is not a regular file (${specialKind(s)}): expected a folder or a .zip with one folder per class`);
    for await (const chunk of createReadStream(p)) h.update(chunk as Buffer);
    return { kind: 'zip', key: h.digest('hex') };
  }
  const { files, dirs, stats, skipped, hiddenSpecial } = await walk(p);
  const lines = [
    ...dirs.map((d) => `${d}/\n`),
    ...skipped.map((s) => `skipped ${s.file}\t${s.reason}\n`),
    `hidden special files ${hiddenSpecial}\n`,
    ...files.map((f) => {
      const st = stats.get(f)!;
      return `${f}\t${st.size}\t${st.mtimeMs}\t${st.ctimeMs}\t${st.ino}\n`;
    }),
  ].sort(byCodePoint);
  for (const l of lines) h.update(l);
  return { kind: 'folder', key: h.digest('hex') };
}
