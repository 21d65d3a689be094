import { ConfigError, ErrorCode } from '@polyqueue/core';
import type { QueueTopology } from '@polyqueue/core/driver';
import type { BusAdmin, BusQueueSettings } from './bus/bus-client.js';
import { ManageRightRequiredError, serviceBusErrorCode } from './servicebus-errors.js';
import type { ServiceBusSettings } from './settings.js';

/** Service Bus lock durations: at most 5 minutes. */
export const MAX_LOCK_MS = 300_000;
/**
 * The shortest lock polyqueue asks for. Service Bus documents no minimum in the sources found;
 * the portal offers 5 s as the smallest, so that is the floor declared here (unverified).
 */
export const MIN_LOCK_MS = 5_000;

/**
 * The crash-loop safety net sits a little above maxAttempts: polyqueue dead-letters a job itself
 * on its (maxAttempts + 1)th delivery, so Service Bus must still deliver that one; the extra
 * margin absorbs deliveries given back at shutdown.
 */
export function maxDeliveryCountFor(maxAttempts: number): number {
  return maxAttempts + 2;
}

/**
 * Creates the queue, or checks an existing one against what this connection declares. Settings
 * Service Bus cannot change on an existing queue (sessions, duplicate detection) must match, or
 * the declared capabilities would be false; the lock duration and delivery limit are updated.
 */
export async function provisionQueue(
  admin: BusAdmin,
  nativeName: string,
  topology: QueueTopology,
  settings: ServiceBusSettings,
): Promise<void> {
  const wanted: BusQueueSettings = {
    lockDurationMs: topology.leaseMs,
    maxDeliveryCount: maxDeliveryCountFor(topology.maxAttempts),
    requiresSession: settings.sessions,
    requiresDuplicateDetection: settings.dedupWindowMs !== undefined,
    duplicateDetectionWindowMs: settings.dedupWindowMs ?? 0,
  };
  try {
    let existing = await admin.getQueue(nativeName);
    if (existing === undefined) {
      try {
        await admin.createQueue(nativeName, wanted);
        return;
      } catch (error) {
        // Another process created it first: check it like any existing queue.
        if (serviceBusErrorCode(error) !== ErrorCode.AlreadyExists) throw error;
        existing = await admin.getQueue(nativeName);
        if (existing === undefined) throw error;
      }
    }
    checkFixedSettings(nativeName, existing, wanted);
    if (
      existing.lockDurationMs !== wanted.lockDurationMs ||
      existing.maxDeliveryCount < wanted.maxDeliveryCount
    ) {
      await admin.updateQueue(nativeName, {
        lockDurationMs: wanted.lockDurationMs,
        maxDeliveryCount: Math.max(existing.maxDeliveryCount, wanted.maxDeliveryCount),
      });
    }
  } catch (error) {
    if (serviceBusErrorCode(error) === ErrorCode.PermissionDenied)
      throw new ManageRightRequiredError(topology.name, error);
    throw error;
  }
}

function checkFixedSettings(name: string, existing: BusQueueSettings, wanted: BusQueueSettings): void {
  if (existing.requiresSession !== wanted.requiresSession) {
    throw new ConfigError(
      `Service Bus queue "${name}" ${existing.requiresSession ? 'requires' : 'does not use'} sessions, but the URL says sessions=${wanted.requiresSession}. ` +
        'Sessions cannot be switched on an existing queue: change the URL, or use another queue.',
    );
  }
  if (existing.requiresDuplicateDetection !== wanted.requiresDuplicateDetection) {
    throw new ConfigError(
      `Service Bus queue "${name}" ${existing.requiresDuplicateDetection ? 'has' : 'has no'} duplicate detection, but the URL ${wanted.requiresDuplicateDetection ? 'sets' : 'does not set'} dedup_window_ms. ` +
        'Duplicate detection cannot be switched on an existing queue: change the URL, or use another queue.',
    );
  }
}
