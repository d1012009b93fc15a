// How a section is scheduled: its timeout sized to its work (more lessons and a longer prompt mean a longer
// timeout, always within the configured bounds, the upper bound winning over a lower bound set above it) and the
// order sections start in (SECTION_ORDER).
import { AimdWindow } from '../../workflows/adaptive-fanout';
import { sectionStartOrder } from '../../workflows/section-order';
import { estimateSectionWork, sectionTiming, sizedSectionTimeoutMs } from '../../workflows/section-timeout';
import { exampleInput } from '../fixtures/example-input';

const bounds = { minMs: 45_000, maxMs: 180_000 };

test('a section with more lessons gets a longer timeout; a longer prompt adds time too', () => {
  const input = exampleInput({ sections: 2 });
  const [small, large] = input.analysis_result.recommended_structure.sections_breakdown;
  small.estimated_lessons = 2;
  large.estimated_lessons = 8;
  const smallWork = estimateSectionWork(input, 0);
  const largeWork = estimateSectionWork(input, 1);
  expect(largeWork.outputTokens).toBeGreaterThan(smallWork.outputTokens);
  expect(largeWork.exercises).toBe(16);
  expect(sizedSectionTimeoutMs(largeWork, bounds)).toBeGreaterThan(sizedSectionTimeoutMs(smallWork, bounds));
  const longPrompt = { ...smallWork, promptTokens: smallWork.promptTokens + 20_000 };
  expect(sizedSectionTimeoutMs(longPrompt, bounds)).toBeGreaterThan(sizedSectionTimeoutMs(smallWork, bounds));
});

test('the sized timeout stays within the bounds, and the upper bound always cuts off', () => {
  const tiny = { lessons: 1, exercises: 2, promptTokens: 100, outputTokens: 750 };
  const huge = { lessons: 30, exercises: 60, promptTokens: 5_000, outputTokens: 22_500 };
  expect(sizedSectionTimeoutMs(tiny, bounds)).toBe(45_000);
  expect(sizedSectionTimeoutMs(huge, bounds)).toBe(180_000);
  // A test's 2 s section timeout under the 45 s default lower bound: 2 s it is.
  expect(sizedSectionTimeoutMs(huge, { minMs: 45_000, maxMs: 2_000 })).toBe(2_000);
});

test('the activity keeps the worker margin over its sized HTTP timeout; old settings keep the constant', () => {
  const input = exampleInput({ sections: 1 });
  input.analysis_result.recommended_structure.sections_breakdown[0].estimated_lessons = 6;
  const settings = { sectionActivityTimeoutMs: 150_000, sectionTimeoutMinMs: 45_000, sectionTimeoutMaxMs: 120_000 };
  const timing = sectionTiming(input, 0, settings, true);
  expect(timing.timeoutMs).toBeGreaterThan(45_000);
  expect(timing.timeoutMs).toBeLessThanOrEqual(120_000);
  expect(timing.startToCloseTimeoutMs).toBe(timing.timeoutMs! + 30_000);
  expect(timing.note).toContain(`timeout ${timing.timeoutMs! / 1000} s (6 lessons`);
  expect(sectionTiming(input, 0, settings, false)).toEqual({ note: '' });
  expect(sectionTiming(input, 0, { sectionActivityTimeoutMs: 150_000 }, true)).toEqual({ note: '' });
});


test('SECTION_ORDER=importance starts core, then important, then optional sections, plan order within each', () => {
  const plans = (['optional', 'core', 'important', 'core', 'optional', 'important'] as const).map((importance) => ({ importance }));
  expect(sectionStartOrder(plans, 'importance')).toEqual([1, 3, 2, 5, 0, 4]);
  expect(sectionStartOrder(plans, 'plan')).toEqual([0, 1, 2, 3, 4, 5]);
});

test('SECTION_FANOUT=adaptive: pressure halves the window once per burst, a window of clean sections widens it by one', () => {
  const window = new AimdWindow(1, 4);
  expect(window.width).toBe(4);
  // Two sections of the same burst report 429s: one decrease, not two.
  const burst = window.epoch;
  expect(window.settle(burst, true)).toBe(true);
  expect(window.width).toBe(2);
  expect(window.settle(burst, true)).toBe(false);
  expect(window.width).toBe(2);
  // A section started after the decrease that meets 429s again: a new event.
  expect(window.settle(window.epoch, true)).toBe(true);
  expect(window.width).toBe(1);
  expect(window.settle(window.epoch, true)).toBe(false); // never below the minimum
  // Additive increase: a window's worth of clean sections adds one.
  expect(window.settle(window.epoch, false)).toBe(true);
  expect(window.width).toBe(2);
  expect(window.settle(window.epoch, false)).toBe(false);
  expect(window.settle(window.epoch, false)).toBe(true);
  expect(window.width).toBe(3);
  for (let i = 0; i < 3; i++) window.settle(window.epoch, false);
  expect(window.width).toBe(4);
  for (let i = 0; i < 10; i++) window.settle(window.epoch, false);
  expect(window.width).toBe(4); // never above the maximum
});
