export { connectBroker, makeThumbnail, type ThumbnailJob, thumbnails } from './jobs.js';
