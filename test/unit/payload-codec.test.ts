// The payload codec on its own: what it writes is ciphertext naming its key, several keys open old payloads so
// keys can rotate, and every way a key setting can be wrong is an error that names the setting.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { decode } from '@temporalio/common/lib/encoding';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, loadCodecKeys, parseCodecKeys } from '../../workers/payload-codec';

const key = () => crypto.randomBytes(32).toString('base64');
const SECRET_TEXT = 'Synergy sales for regional managers';

test('a payload is sealed with the first key, names it, and opens again to the same payload', async () => {
  const keys = parseCodecKeys(`k2:${key()},k1:${key()}`, 'PAYLOAD_CODEC_KEYS');
  const codec = new AesGcmPayloadCodec(keys);
  const plain = defaultPayloadConverter.toPayload({ title: SECRET_TEXT });
  const [sealed] = await codec.encode([plain]);
  expect(decode(sealed.metadata![KEY_ID_METADATA])).toBe('k2');
  expect(decode(sealed.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
  expect(Buffer.from(sealed.data!).toString('latin1')).not.toContain('Synergy');
  const [opened] = await codec.decode([sealed]);
  expect(defaultPayloadConverter.fromPayload(opened)).toEqual({ title: SECRET_TEXT });
});

test('rotation: payloads sealed with the old key open once a new key is listed first; a dropped key is named', async () => {
  const oldKey = `2025:${key()}`;
  const newKey = `2026:${key()}`;
  const [sealedOld] = await new AesGcmPayloadCodec(parseCodecKeys(oldKey, 'x')).encode([defaultPayloadConverter.toPayload(SECRET_TEXT)]);
  const rotated = new AesGcmPayloadCodec(parseCodecKeys(`${newKey},${oldKey}`, 'x'));
  expect(defaultPayloadConverter.fromPayload((await rotated.decode([sealedOld]))[0])).toBe(SECRET_TEXT);
  expect(decode((await rotated.encode([defaultPayloadConverter.toPayload(1)]))[0].metadata![KEY_ID_METADATA])).toBe('2026');
  const retired = new AesGcmPayloadCodec(parseCodecKeys(newKey, 'x'));
  await expect(retired.decode([sealedOld])).rejects.toThrow(/sealed with key "2025", which is not among the configured keys \(2026\)/);
});

test('tampering is detected: a flipped byte or a relabelled key id does not open', async () => {
  const keyA = key();
  const codec = new AesGcmPayloadCodec(parseCodecKeys(`a:${keyA},b:${keyA}`, 'x'));
  const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(SECRET_TEXT)]);
  const flipped = Buffer.from(sealed.data!);
  flipped[20] ^= 1;
  await expect(codec.decode([{ ...sealed, data: flipped }])).rejects.toThrow();
  // Same key bytes under another id: the key id is authenticated data, so the relabelled payload is rejected.
  const relabelled = { ...sealed, metadata: { ...sealed.metadata, [KEY_ID_METADATA]: Buffer.from('b') } };
  await expect(codec.decode([relabelled])).rejects.toThrow();
});

test('payloads written before encryption was turned on pass through unchanged (old histories still read)', async () => {
  const codec = new AesGcmPayloadCodec(parseCodecKeys(`k:${key()}`, 'x'));
  const plain = defaultPayloadConverter.toPayload({ a: 1 });
  expect(await codec.decode([plain])).toEqual([plain]);
});

test('bad key settings are errors that name the setting', () => {
  expect(() => parseCodecKeys('nocolon', 'PAYLOAD_CODEC_KEYS')).toThrow(/PAYLOAD_CODEC_KEYS: entry 1 is not "id:base64key"/);
  expect(() => parseCodecKeys(`k:${crypto.randomBytes(16).toString('base64')}`, 'PAYLOAD_CODEC_KEYS')).toThrow(/key "k" decodes to 16 bytes; AES-256 needs 32/);
  expect(() => parseCodecKeys(`k:${key()},k:${key()}`, 'PAYLOAD_CODEC_KEYS')).toThrow(/"k" is listed twice/);
  expect(() => loadCodecKeys({ PAYLOAD_CODEC_KEYS: `k:${key()}`, PAYLOAD_CODEC_KEY_FILE: '/x' })).toThrow(/not both/);
  expect(() => loadCodecKeys({ PAYLOAD_CODEC_KEY_FILE: '/nonexistent/keys' })).toThrow(/PAYLOAD_CODEC_KEY_FILE=\/nonexistent\/keys cannot be read/);
  expect(loadCodecKeys({})).toEqual([]);
});

test('a key file holds one id:key per line, comments allowed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-keys-'));
  const file = path.join(dir, 'keys');
  fs.writeFileSync(file, `# newest first\nnew:${key()}\nold:${key()}\n`, { mode: 0o600 });
  try {
    expect(loadCodecKeys({ PAYLOAD_CODEC_KEY_FILE: file }).map((k) => k.id)).toEqual(['new', 'old']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
