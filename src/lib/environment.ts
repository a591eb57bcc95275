/**
 * The backend selection's notes as a reader of the methods appendix needs them: which
 * backends were tried before the one that trained and, in a few words, why each was not
 * used, without the install or driver error text the pipeline logged (a library path, a
 * Vulkan loader message); the chosen backend's own notes stay as they are.
 */

export interface BackendNotes {
  /** Backends tried before the chosen one: "tensorflow-gpu (not installed)". */
  passedOver: string[];
  /** Notes about the backend that trained, and any setting the run made. */
  notes: string[];
}

/** Why a backend was not used, in a few words, from the pipeline's note. */
export function shortReason(reason: string): string {
  if (/not installed|cannot find (module|package)|ERR_MODULE_NOT_FOUND/i.test(reason)) return 'not installed';
  if (/adapter|vulkan|vkCreateInstance|driver|libvulkan|dawn/i.test(reason)) return 'no GPU adapter on the build machine';
  if (/cuda|cudnn|gpu/i.test(reason)) return 'no usable CUDA GPU';
  return 'not available';
}

export function backendNotes(notes: readonly string[], chosen: string): BackendNotes {
  const passedOver: string[] = [];
  const kept: string[] = [];
  for (const note of notes) {
    const m = /^([\w-]+): (.*)$/s.exec(note.trim());
    // The chosen backend's notes, and a setting the run made ("webgpu: … VK_ICD_FILENAMES=…"), stay.
    if (!m || m[1] === chosen || /\b[A-Z_]{4,}=\S/.test(m[2]!)) {
      kept.push(note);
      continue;
    }
    const name = m[1]!;
    if (!passedOver.some((p) => p.startsWith(`${name} (`))) passedOver.push(`${name} (${shortReason(m[2]!)})`);
  }
  return { passedOver, notes: kept };
}
