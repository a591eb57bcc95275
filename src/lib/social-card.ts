/**
 * The 1200 × 630 social card (Open Graph / Twitter): title and headline numbers,
 * laid out by satori (JSX-like tree → SVG) and rasterised by sharp at build time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import satori from 'satori';
import sharp from 'sharp';
import type { HeadlineNumber } from './headline.ts';

export const CARD_WIDTH = 1200;
export const CARD_HEIGHT = 630;

export interface CardContent {
  /** The small line above the title (the dataset's name). */
  kicker: string;
  title: string;
  subtitle: string;
  numbers: HeadlineNumber[];
  /** Small print at the bottom: run, profile, date. */
  footer: string;
}

// satori reads TTF/OTF/WOFF but not WOFF2, hence the .woff files of the same family the page uses.
function font(weight: 400 | 600): Buffer {
  const require = createRequire(join(process.cwd(), 'package.json'));
  return readFileSync(require.resolve(`@fontsource/source-serif-4/files/source-serif-4-latin-${weight}-normal.woff`));
}

type Node = { type: string; props: { style?: Record<string, unknown>; children?: Node[] | Node | string } };
const el = (type: string, style: Record<string, unknown>, children?: Node[] | Node | string): Node => ({ type, props: { style, children } });

export async function renderSocialCard(content: CardContent): Promise<Buffer> {
  // satori sizes boxes without box-sizing: border-box, so the inner width is explicit.
  const padX = 72;
  const inner = CARD_WIDTH - 2 * padX;
  const shown = content.numbers.slice(0, 4);
  const numbers = shown.map((n) =>
    el('div', { display: 'flex', flexDirection: 'column', width: inner / shown.length, paddingRight: 24 }, [
      el('div', { fontSize: 56, fontWeight: 600, color: '#1d1d1f', lineHeight: 1.05 }, n.value),
      el('div', { fontSize: 21, color: '#5a5a60', marginTop: 8, lineHeight: 1.25 }, n.label),
    ]),
  );
  const tree = el('div', { width: CARD_WIDTH, height: CARD_HEIGHT, display: 'flex', flexDirection: 'column', background: '#fbfaf7', fontFamily: 'Source Serif 4' }, [
    el('div', { width: CARD_WIDTH, height: 16, background: '#1f5f8b' }),
    el('div', { display: 'flex', flexDirection: 'column', width: inner, height: CARD_HEIGHT - 16, marginLeft: padX, paddingTop: 44, paddingBottom: 36 }, [
      el('div', { fontSize: 22, letterSpacing: 3, color: '#1f5f8b', textTransform: 'uppercase' }, content.kicker),
      el('div', { fontSize: 66, fontWeight: 600, color: '#1d1d1f', lineHeight: 1.08, marginTop: 14, width: inner }, content.title),
      el('div', { fontSize: 24, color: '#4a4a4f', lineHeight: 1.3, marginTop: 14, width: inner }, content.subtitle),
      el('div', { display: 'flex', marginTop: 'auto', borderTop: '2px solid #e3e0d8', paddingTop: 24, width: inner }, numbers),
      el('div', { fontSize: 19, color: '#6e6e73', marginTop: 20, width: inner }, content.footer),
    ]),
  ]);
  const svg = await satori(tree as unknown as Parameters<typeof satori>[0], {
    width: CARD_WIDTH,
    height: CARD_HEIGHT,
    fonts: [
      { name: 'Source Serif 4', data: font(400), weight: 400, style: 'normal' },
      { name: 'Source Serif 4', data: font(600), weight: 600, style: 'normal' },
    ],
  });
  return sharp(Buffer.from(svg)).png({ compressionLevel: 9 }).toBuffer();
}
