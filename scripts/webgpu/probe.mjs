// Probe: does Dawn (npm `webgpu`) find an adapter here, and does a compute shader run? Run with
// VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node scripts/webgpu/probe.mjs on a machine without a GPU.
import { create, globals } from 'webgpu';
const { GPUBufferUsage, GPUMapMode } = globals;
const gpu = create([]);
const adapter = await gpu.requestAdapter();
console.log('adapter', adapter && adapter.info ? `${adapter.info.vendor} / ${adapter.info.architecture} / ${adapter.info.description}` : adapter);
const device = await adapter.requestDevice();
const n = 1000;
const buf = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
device.queue.writeBuffer(buf, 0, new Float32Array(n).map((_, i) => i));
const mod = device.createShaderModule({ code: `@group(0) @binding(0) var<storage, read_write> a: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) { if (g.x < arrayLength(&a)) { a[g.x] = a[g.x] * 2.0 + 1.0; } }` });
const pipe = device.createComputePipeline({ layout: 'auto', compute: { module: mod, entryPoint: 'main' } });
const bg = device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: buf } }] });
const rb = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
const enc = device.createCommandEncoder(); const p = enc.beginComputePass(); p.setPipeline(pipe); p.setBindGroup(0, bg); p.dispatchWorkgroups(Math.ceil(n / 64)); p.end();
enc.copyBufferToBuffer(buf, 0, rb, 0, n * 4); device.queue.submit([enc.finish()]);
await rb.mapAsync(GPUMapMode.READ); const out = new Float32Array(rb.getMappedRange().slice(0)); rb.unmap();
console.log(out[0], out[1], out[999], out.every((v, i) => v === i * 2 + 1));
console.log('limits', device.limits.maxStorageBufferBindingSize, device.limits.maxComputeWorkgroupsPerDimension, device.limits.maxComputeInvocationsPerWorkgroup);
process.exit(0);
