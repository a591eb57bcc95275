/**
 * Image bytes → size × size single-channel uint8 pixels (the dataset's image size), with sharp.
 *
 * Medical MNIST's JPEGs decode to three identical channels (sharp outputs sRGB), so
 * "colour" means the channels actually differ somewhere; such images are reduced to
 * ITU-R 601 luma with the integer weights PIL's `convert('L')` uses, which maps R=G=B
 * to exactly that value. Images of another size are resized with sharp (`fit: 'fill'`,
 * as Keras' image loaders do: the whole picture is kept, the aspect ratio is not).
 */
import sharp, { type OutputInfo } from 'sharp';

/**
 * Part of the dataset cache key: bump whenever the pixels this module produces, or the
 * dataset record cached with them, change (2: converted files and cross-class duplicates named;
 * 3: files above the size limit and files that are not regular files skipped and named,
 * names shown with control characters escaped).
 */
export const DECODER_VERSION = 3;
/**
 * Images decoded at once. sharp runs one libvips pipeline per image on libuv's pool (4
 * threads); for 64×64 JPEGs the per-call overhead dominates, and 8 in flight was the
 * fastest of 2/4/8/16 measured on this 2-core machine (~1.3 ms of CPU per image).
 */
export const DEFAULT_DECODE_CONCURRENCY = 8;

export interface Decoded {
  pixels: Uint8Array;
  resized: boolean;
  colour: boolean;
  /** The image's own size, before any resizing. */
  width: number;
  height: number;
}

/** An image that cannot be used; the message is the reason shown to the user. */
export class UndecodableImage extends Error {
  override name = 'UndecodableImage';
}

/** A JPEG (SOI marker) whose last bytes are not the EOI marker has been cut off. */
function isCutOffJpeg(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return false;
  let end = bytes.length;
  while (end > 2 && bytes[end - 1] === 0) end--; // some writers pad after EOI
  return !(bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9);
}

function reason(e: unknown, bytes: Uint8Array): string {
  const msg = String((e as Error)?.message ?? e).split('\n')[0]!.trim();
  // libvips' error text is per-thread state and comes back as "Unknown error" when decodes
  // run concurrently, so a cut-off JPEG is also recognised from its bytes.
  return /premature end|truncat|unexpected end/i.test(msg) || isCutOffJpeg(bytes) ? `truncated image (${msg})` : `cannot decode (${msg})`;
}

export async function decodeImage(bytes: Uint8Array, size: number): Promise<Decoded> {
  if (bytes.length === 0) throw new UndecodableImage('empty file (0 bytes)');
  let data: Buffer;
  let info: OutputInfo;
  try {
    // failOn 'truncated': the least strict level that still rejects cut-off files.
    ({ data, info } = await sharp(bytes, { failOn: 'truncated', sequentialRead: true }).raw().toBuffer({ resolveWithObject: true }));
  } catch (e) {
    throw new UndecodableImage(reason(e, bytes));
  }
  const { width, height, channels } = info;
  const colourChannels = info.hasAlpha ? channels - 1 : channels;
  const n = width * height;
  let grey = new Uint8Array(n);
  let colour = false;
  if (colourChannels >= 3) {
    for (let p = 0, o = 0; p < n; p++, o += channels) {
      const r = data[o]!;
      const g = data[o + 1]!;
      const b = data[o + 2]!;
      if (r !== g || g !== b) colour = true;
      grey[p] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
    }
  } else {
    for (let p = 0, o = 0; p < n; p++, o += channels) grey[p] = data[o]!;
  }
  const resized = width !== size || height !== size;
  if (resized) {
    try {
      grey = await sharp(grey, { raw: { width, height, channels: 1 } })
        .resize(size, size, { fit: 'fill' })
        .toColourspace('b-w') // else sharp widens the output to sRGB's three channels
        .raw()
        .toBuffer();
    } catch (e) {
      throw new UndecodableImage(`cannot resize ${width}×${height} to ${size}×${size} (${String((e as Error)?.message ?? e).split("\n")[0]})`);
    }
    if (grey.length !== size * size) throw new UndecodableImage(`resizing ${width}×${height} gave ${grey.length} bytes, expected ${size * size}`);
  }
  return { pixels: grey, resized, colour, width, height };
}

/**
 * Decodes items from an async source with at most `concurrency` images in flight,
 * reporting each as decoded or as undecodable (with the reason). Results arrive in
 * completion order; items carry their own identity.
 */
export async function decodeEach<T extends { bytes: Uint8Array }>(
  items: AsyncIterable<T>,
  onResult: (item: T, result: Decoded | { error: string }) => void,
  size: number,
  concurrency = DEFAULT_DECODE_CONCURRENCY,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  try {
    for await (const item of items) {
      const p: Promise<void> = decodeImage(item.bytes, size)
        .then(
          (d) => onResult(item, d),
          (e: unknown) => {
            if (!(e instanceof UndecodableImage)) throw e;
            onResult(item, { error: e.message });
          },
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } catch (e) {
    await Promise.allSettled(inFlight);
    throw e;
  }
}
