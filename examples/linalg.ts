/**
 * Tiny dense linear algebra on plain float64 arrays, written out for the examples that need it
 * (least-squares polynomial fits, PCA, principal angles). Small matrices only: O(n³), no tricks.
 */

/** Solve A x = b (A: n×n, row-major arrays) by Gaussian elimination with partial pivoting. */
export function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const k = M[r]![c]! / M[c]![c]!;
      for (let j = c; j <= n; j++) M[r]![j]! -= k * M[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let j = r + 1; j < n; j++) s -= M[r]![j]! * x[j]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

/**
 * Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations.
 * Returns eigenvalues in descending order and the matching unit eigenvectors (as rows).
 */
export function jacobiEigen(S: number[][], sweeps = 100): { values: number[]; vectors: number[][] } {
  const n = S.length;
  const A = S.map((r) => r.slice());
  const V: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p]![q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(A[p]![q]!) < 1e-300) continue;
        const theta = (A[q]![q]! - A[p]![p]!) / (2 * A[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const [akp, akq] = [A[k]![p]!, A[k]![q]!];
          A[k]![p] = c * akp - s * akq;
          A[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const [apk, aqk] = [A[p]![k]!, A[q]![k]!];
          A[p]![k] = c * apk - s * aqk;
          A[q]![k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const [vkp, vkq] = [V[k]![p]!, V[k]![q]!];
          V[k]![p] = c * vkp - s * vkq;
          V[k]![q] = s * vkp + c * vkq;
        }
      }
  }
  const order = A.map((_, i) => i).sort((i, j) => A[j]![j]! - A[i]![i]!);
  return { values: order.map((i) => A[i]![i]!), vectors: order.map((i) => V.map((row) => row[i]!)) };
}

/** Gram–Schmidt (twice, for stability): orthonormal basis of the span of the given vectors. */
export function orthonormalize(vectors: number[][]): number[][] {
  const out: number[][] = [];
  for (const v of vectors) {
    const u = v.slice();
    for (let pass = 0; pass < 2; pass++)
      for (const q of out) {
        const d = dot(u, q);
        for (let i = 0; i < u.length; i++) u[i]! -= d * q[i]!;
      }
    const norm = Math.sqrt(dot(u, u));
    out.push(u.map((x) => x / norm));
  }
  return out;
}

export function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Principal angles (degrees, ascending) between span(A) and span(B), k vectors each:
 * with orthonormal bases Qa, Qb the cosines are the singular values of Qaᵀ Qb, i.e. the square roots
 * of the eigenvalues of (Qaᵀ Qb)ᵀ(Qaᵀ Qb).
 */
export function principalAngles(A: number[][], B: number[][]): number[] {
  const qa = orthonormalize(A);
  const qb = orthonormalize(B);
  const M = qa.map((a) => qb.map((b) => dot(a, b)));
  const k = qb.length;
  const MtM = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => M.reduce((s, row) => s + row[i]! * row[j]!, 0)));
  const { values } = jacobiEigen(MtM);
  return values.map((v) => (Math.acos(Math.min(1, Math.sqrt(Math.max(0, v)))) * 180) / Math.PI).sort((a, b) => a - b);
}
