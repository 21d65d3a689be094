import { v1 } from '@google-cloud/pubsub';
export const counts = { pull: 0, pulled: 0, ack: 0, acked: 0, mod: 0 };
const P = v1.SubscriberClient.prototype;
const pull = P.pull, ack = P.acknowledge, mod = P.modifyAckDeadline;
P.pull = function (req, ...a) { counts.pull++; const r = pull.call(this, req, ...a); if (r && r.then) r.then((x) => { counts.pulled += x?.[0]?.receivedMessages?.length ?? 0; }, () => {}); return r; };
P.acknowledge = function (req, ...a) { counts.ack++; counts.acked += req.ackIds.length; return ack.call(this, req, ...a); };
P.modifyAckDeadline = function (req, ...a) { counts.mod++; return mod.call(this, req, ...a); };
