export { COMPACT_KEY, decodeCompact, encodeCompact } from './compact.js';
export {
  type DecodedHeaders,
  decodeHeaders,
  encodeDeadLetterHeaders,
  encodeMetaHeaders,
  HEADER_PREFIX,
  Header,
  type Headers,
  isReservedHeader,
} from './headers.js';
export {
  type DeadLetterReason,
  type DeadLetterRecord,
  type JobMeta,
  MAX_ERROR_MESSAGE_CHARS,
  MAX_STACK_CHARS,
  truncate,
} from './job-meta.js';
