// Deterministic embeddings for the simulator's /v1/embeddings.
//
// This is a LEXICAL STAND-IN, NOT A SEMANTIC MODEL: each content word (lower-cased, punctuation stripped, common
// English stop words dropped, crudely stemmed) is hashed into one of `dims` buckets with a ±1 sign, counts are
// damped with 1 + log(tf), and the vector is L2-normalised. Cosine similarity therefore measures shared vocabulary:
// "objection handling" and "handling objections" match, "price" and "cost" do not. It is enough for the pipeline's
// quality gate to tell an on-topic answer from an off-topic one in demos and tests, and nothing more.
import { hashString } from './random';
import { contentWords, stem } from './words';

// Words every generated course answer uses whatever the topic; like a fixed IDF of zero, they are ignored so they
// do not pull all answers towards each other.
const GENERIC_COURSE_WORDS = new Set(['course', 'section', 'lesson', 'module', 'learner', 'student']);

export function lexicalEmbedding(text: string, dims: number): number[] {
  const counts = new Map<string, number>();
  for (const word of contentWords(text)) {
    const key = stem(word);
    if (GENERIC_COURSE_WORDS.has(key)) continue;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const vector = new Array<number>(dims).fill(0);
  for (const [key, tf] of counts) {
    const h = hashString(key);
    const sign = (hashString(key, 0x9e3779b9) & 1) === 0 ? 1 : -1;
    vector[h % dims] += sign * (1 + Math.log(tf));
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  // Text without content words: a fixed unit vector rather than zeros, so cosine stays defined for the caller.
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  return vector.map((x) => x / norm);
}

/** OpenAI's base64 encoding_format: little-endian float32 bytes (the SDK asks for this by default). */
export function toBase64Float32(vector: number[]): string {
  const buffer = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => buffer.writeFloatLE(x, i * 4));
  return buffer.toString('base64');
}

export function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
