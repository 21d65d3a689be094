import { afterEach, expect, it, vi } from 'vitest';
import { findBrokerBinary } from './broker-binary.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

it('finds an installed executable', () => {
  const found = findBrokerBinary('sh', { aptPackage: 'dash' });
  expect(found.path).toMatch(/\/sh$/);
  expect(found.missing).toBe('');
});

it('under CI=true a missing broker fails, saying how to install it', () => {
  vi.stubEnv('CI', 'true');
  expect(() => findBrokerBinary('pq-no-such-broker', { aptPackage: 'pq-broker-package' })).toThrow(
    /pq-no-such-broker is not installed.*sudo apt-get install -y pq-broker-package/,
  );
});

it('outside CI a missing broker is reported, with the same install command', () => {
  vi.stubEnv('CI', '');
  const found = findBrokerBinary('pq-no-such-broker', { aptPackage: 'pq-broker-package' });
  expect(found.path).toBeUndefined();
  expect(found.missing).toMatch(/sudo apt-get install -y pq-broker-package/);
});
