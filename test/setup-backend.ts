/**
 * Test setup: choose the js reference backend explicitly, so every test file runs on the
 * specification backend unless it calls `init()` itself. Without this, the first op would start the
 * wasm backend lazily (what a user who forgets `await init()` gets; see test/core/lazy-init.test.ts).
 */
import { setBackend } from '../src/backend/dispatch.js';

setBackend('js');
