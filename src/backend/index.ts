export * from './types.js';
export { kernels, registerBackend, setBackend, getBackend, listBackends } from './dispatch.js';
export { jsKernels } from './js/index.js';
export { init, backendInfo, addBackendLoader, type InitOptions, type BackendLoader } from './init.js';
