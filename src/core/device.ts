/**
 * Devices, for PyTorch's `.to(device)` / `.device`. Every CPU backend (the js reference kernels and
 * the wasm SIMD kernels) works on the same storage in this process, so the one device that exists is
 * `'cpu'`; `'wasm'` is accepted as a name for it (the backend is chosen once for the process by
 * `init()`, not per tensor). `'webgpu'` is the GPU (see the README's "WebGPU backend"): tensors move
 * there with `x.to('webgpu')` once `await init({ backend: 'webgpu' })` loaded it.
 */
import { DTYPES, type DType } from './dtype.js';
import { DTypeError, NotSupportedError, ValueError } from './errors.js';

/** The device a tensor lives on: `'cpu'`, or `'webgpu'` after `await init({ backend: 'webgpu' })` and `x.to('webgpu')`. */
export type Device = 'cpu' | 'webgpu';
/** What `.to()` and the creation functions accept as a device. */
export type DeviceLike = 'cpu' | 'wasm' | 'js' | 'webgpu';

/** The device strings backprop accepts for `device` options: every one runs on the CPU ('cpu', 'wasm', 'js'). */
export const DEVICES: readonly string[] = ['cpu', 'wasm', 'js'];

/** Is `v` the name of a device (valid or not yet available), as opposed to a dtype? */
export function isDeviceName(v: unknown): boolean {
  return (
    typeof v === 'string' && (DEVICES.includes(v) || v === 'webgpu' || /^(cuda|mps|gpu|xpu|meta)(:\d+)?$/.test(v) || /^cpu:\d+$/.test(v))
  );
}

/** Validate a device name; returns the device it means ('cpu' or 'webgpu'; whether WebGPU is loaded is checked when data moves). */
export function checkDevice(v: unknown, where: string): Device {
  if (typeof v === 'string' && DEVICES.includes(v)) return 'cpu';
  if (v === 'webgpu') return 'webgpu';
  if (typeof v === 'string' && /^(cuda|mps|gpu|xpu)(:\d+)?$/.test(v))
    throw new NotSupportedError(
      `${where}: device '${v}' does not exist in backprop; it runs on the CPU (wasm SIMD kernels after \`await init()\`). Valid devices: ${DEVICES.map((d) => `'${d}'`).join(', ')} (PyTorch's \`device = 'cuda' if torch.cuda.is_available() else 'cpu'\` becomes \`const device = 'cpu'\`)`,
      'E_DEVICE',
    );
  throw new ValueError(
    `${where}: unknown device ${JSON.stringify(v)}; expected one of ${DEVICES.map((d) => `'${d}'`).join(', ')}`,
    'E_DEVICE',
  );
}

const DTYPE_HINTS: Record<string, string> = {
  int64: "int64 is not supported; integer tensors (labels, indices) are 'int32'",
  long: "int64 is not supported; integer tensors (labels, indices) are 'int32'",
  int: "use 'int32'",
  float: "use 'float32'",
  double: "use 'float64'",
  float16: "float16 is not a compute dtype here (safetensors converts it on load); use 'float32'",
  half: "float16 is not a compute dtype here; use 'float32'",
  bfloat16: "bfloat16 is not a compute dtype here; use 'float32'",
  uint8: "use 'int32' for integers or 'bool' for masks",
  bool_: "use 'bool'",
};

/** Parse one argument of `to()`: a dtype or a device name, or a typed error listing the valid values. */
export function parseToArg(v: unknown, where: string): { dtype?: DType; device?: Device } {
  if (typeof v === 'string') {
    if ((DTYPES as readonly string[]).includes(v)) return { dtype: v as DType };
    if (isDeviceName(v)) return { device: checkDevice(v, where) };
    const key = v.replace(/^torch\./, '');
    const hint = DTYPE_HINTS[key] ? `; ${DTYPE_HINTS[key]}` : '';
    throw new DTypeError(
      `${where}: unknown dtype or device ${JSON.stringify(v)}${hint}. Valid dtypes: ${DTYPES.map((d) => `'${d}'`).join(', ')}; valid devices: ${DEVICES.map((d) => `'${d}'`).join(', ')}`,
      'E_TO',
    );
  }
  throw new ValueError(
    `${where}: expected a dtype (${DTYPES.map((d) => `'${d}'`).join(', ')}), a device (${DEVICES.map((d) => `'${d}'`).join(', ')}) or a Tensor, got ${v === null ? 'null' : typeof v}`,
    'E_TO',
  );
}
