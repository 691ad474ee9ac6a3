import { createMemoryDatabase, createMemoryStore } from '../support/fakes/memory-store.js';
import { describeStoreContract } from './store-contract.js';

// One database for the suite: every store the contract opens sees the same tables, as two
// connections to one database file do.
const db = createMemoryDatabase();
describeStoreContract('memory', async () => createMemoryStore(db));
