import { createMemoryBlobStore } from '../support/fakes/memory-blobs.js';
import { describeBlobStoreContract } from './blob-store-contract.js';

describeBlobStoreContract('memory', () => createMemoryBlobStore());
