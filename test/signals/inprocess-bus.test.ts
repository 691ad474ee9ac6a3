import { createInProcessBus } from '../../src/signals/inprocess-bus.js';
import { describeSignalBusContract } from './signal-bus-contract.js';

describeSignalBusContract('in-process', async () => {
  const bus = createInProcessBus();
  return { a: bus, b: bus, close: () => bus.close() };
});
