// The settings of repair and patience: read from the environment once, validated, with the documented defaults.
import { ConfigError, loadConfig } from '../../workers/config';

const base = { LLM_API_KEY: 'k' };

test('QUALITY_REPAIR_ROUNDS defaults to 1 and SECTION_PATIENCE to 1m,5m,15m', () => {
  const { settings } = loadConfig(base);
  expect(settings.qualityRepairRounds).toBe(1);
  expect(settings.sectionPatienceMs).toEqual([60_000, 300_000, 900_000]);
});

test('SECTION_PATIENCE takes ms, s, m and h, and "off" turns waiting off', () => {
  expect(loadConfig({ ...base, SECTION_PATIENCE: '500ms, 2s,1.5m,1h' }).settings.sectionPatienceMs).toEqual([500, 2_000, 90_000, 3_600_000]);
  expect(loadConfig({ ...base, SECTION_PATIENCE: 'off' }).settings.sectionPatienceMs).toEqual([]);
  expect(loadConfig({ ...base, QUALITY_REPAIR_ROUNDS: '0' }).settings.qualityRepairRounds).toBe(0);
});

test('a malformed wait or a negative round count is a start-up error naming the variable', () => {
  expect(() => loadConfig({ ...base, SECTION_PATIENCE: '5 minutes' })).toThrow(ConfigError);
  expect(() => loadConfig({ ...base, SECTION_PATIENCE: '5 minutes' })).toThrow(/SECTION_PATIENCE.*"5 minutes"/s);
  expect(() => loadConfig({ ...base, QUALITY_REPAIR_ROUNDS: '-1' })).toThrow(/QUALITY_REPAIR_ROUNDS/);
});
