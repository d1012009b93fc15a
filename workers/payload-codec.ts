// Encrypts every payload Temporal stores (workflow input, activity results, signals, failures' details) with
// AES-256-GCM, so Temporal's history holds ciphertext only. Keys come from the environment or a key file, never
// from the repository. Each payload names the key that sealed it, so keys can rotate: the first key seals new
// payloads, every listed key opens old ones.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { decode, encode } from '@temporalio/common/lib/encoding';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12; // GCM's standard nonce size; random per payload
const TAG_BYTES = 16;

export interface CodecKey {
  id: string;
  key: Buffer;
}

export class PayloadKeyError extends Error {}

/** Parses `id:base64key` pairs separated by commas or new lines; `source` names the setting in error messages. */
export function parseCodecKeys(text: string, source: string): CodecKey[] {
  const entries = text.split(/[,\n]/).map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
  const keys = entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new PayloadKeyError(`${source}: entry ${index + 1} is not "id:base64key"`);
    const id = entry.slice(0, colon).trim();
    const key = Buffer.from(entry.slice(colon + 1).trim(), 'base64');
    if (key.length !== 32) {
      throw new PayloadKeyError(`${source}: key "${id}" decodes to ${key.length} bytes; AES-256 needs 32 (e.g. \`openssl rand -base64 32\`)`);
    }
    return { id, key };
  });
  const ids = keys.map((k) => k.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new PayloadKeyError(`${source}: key id "${duplicate}" is listed twice`);
  return keys;
}

/**
 * The keys configured by PAYLOAD_CODEC_KEYS or PAYLOAD_CODEC_KEY_FILE (not both, so there is one answer to
 * "which key encrypts"); an empty list means payloads travel as plain JSON.
 */
export function loadCodecKeys(env: NodeJS.ProcessEnv): CodecKey[] {
  const inline = env.PAYLOAD_CODEC_KEYS?.trim();
  const file = env.PAYLOAD_CODEC_KEY_FILE?.trim();
  if (inline && file) throw new PayloadKeyError('Set PAYLOAD_CODEC_KEYS or PAYLOAD_CODEC_KEY_FILE, not both');
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new PayloadKeyError(`PAYLOAD_CODEC_KEY_FILE=${file} cannot be read: ${(error as Error).message}`);
    }
    const keys = parseCodecKeys(text, `PAYLOAD_CODEC_KEY_FILE=${file}`);
    if (keys.length === 0) throw new PayloadKeyError(`PAYLOAD_CODEC_KEY_FILE=${file} holds no key`);
    return keys;
  }
  return inline ? parseCodecKeys(inline, 'PAYLOAD_CODEC_KEYS') : [];
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly sealing: CodecKey;

  constructor(keys: CodecKey[]) {
    if (keys.length === 0) throw new PayloadKeyError('the payload codec needs at least one key');
    this.sealing = keys[0];
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv('aes-256-gcm', this.sealing.key, iv);
      // The key id is authenticated too: a payload relabelled with another key id fails to open.
      cipher.setAAD(Buffer.from(this.sealing.id));
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encode(this.sealing.id) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      // Payloads written before encryption was turned on stay readable (and replayable) as they are.
      if (!payload.metadata?.encoding || decode(payload.metadata.encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyIdBytes = payload.metadata[KEY_ID_METADATA];
      const keyId = keyIdBytes ? decode(keyIdBytes) : '';
      const key = this.byId.get(keyId);
      if (!key) {
        throw new PayloadKeyError(`payload sealed with key "${keyId}", which is not among the configured keys (${[...this.byId.keys()].join(', ')})`);
      }
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
