// Reading a job input file at the edge: size, JSON and schema are checked before anything is started.
import { readFile, stat } from 'node:fs/promises';
import { describeZodError, GenerationJobInputSchema, type GenerationJobInput } from '../workflows/schemas';

/** Far above a real analysis document (the example is 8 KB) and far below Temporal's 2 MiB payload limit. */
export const MAX_INPUT_BYTES = 512 * 1024;

export class InputError extends Error {}

export async function readJobInput(file: string): Promise<GenerationJobInput> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new InputError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  if (size > MAX_INPUT_BYTES) throw new InputError(`${file} is ${size} bytes; the limit is ${MAX_INPUT_BYTES} bytes`);
  const text = await readFile(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseJobInput(json, file);
}

export function parseJobInput(json: unknown, label = 'input'): GenerationJobInput {
  const parsed = GenerationJobInputSchema.safeParse(json);
  if (!parsed.success) throw new InputError(`${label} is not a valid generation job (VALIDATION_FAILED):\n${describeZodError(parsed.error)}`);
  return parsed.data;
}
