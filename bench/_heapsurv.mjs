import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const s = new Session(); s.connect();
await s.post('HeapProfiler.enable');
globalThis.__startSampling = async (major) => s.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: major, includeObjectsCollectedByMinorGC: false });
globalThis.__stopSampling = async (file) => { const { profile } = await s.post('HeapProfiler.stopSampling'); writeFileSync(file, JSON.stringify(profile)); };
