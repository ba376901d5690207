/** The bundled MNIST subset (built by the Vite config from the `mnist` package), decoded to bytes. */
import { count, images, labels } from 'virtual:mnist-subset';
import type { DigitData } from './image.js';

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function loadDigits(): DigitData {
  const d = { images: fromBase64(images), labels: fromBase64(labels) };
  if (d.labels.length !== count || d.images.length !== count * 784) throw new Error('bundled digits are corrupt');
  return d;
}
