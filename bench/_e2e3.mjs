import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const s = new Session(); s.connect(); await s.post('Profiler.enable'); await s.post('Profiler.setSamplingInterval', { interval: 500 });
globalThis.__prof = { start: () => s.post('Profiler.start'), stop: async (f) => { const { profile } = await s.post('Profiler.stop'); writeFileSync(f, JSON.stringify(profile)); } };
