/**
 * The evaluation protocols' names, as the bundle gives them (manifest.protocols[].name
 * and .clause, written by pipeline/data/protocols.ts): the paper never keeps its own table.
 */
import type { Manifest, Protocol } from '../../schema/results.ts';

type WithProtocols = Partial<Pick<Manifest, 'protocols'>>;

/** "grouped split": the protocol's name in running text (its id, for a bundle that has no record of it). */
export function protocolName(manifest: WithProtocols, p: Protocol): string {
  return manifest.protocols?.find((r) => r.protocol === p)?.name ?? `${p} split`;
}

/** "Grouped split": the name at the start of a sentence, a heading or a label. */
export function protocolTitle(manifest: WithProtocols, p: Protocol): string {
  return protocolName(manifest, p).replace(/^./, (c) => c.toUpperCase());
}

/** "one that keeps near-duplicate images together": what tells the protocol apart from the others. */
export function protocolClause(manifest: WithProtocols, p: Protocol): string {
  return manifest.protocols?.find((r) => r.protocol === p)?.clause ?? protocolName(manifest, p);
}
