import json
import math
import sys


NORM = {'NaN': 'nan', 'Infinity': 'inf', '-Infinity': '-inf'}


def close(a, b, tol):
    a = NORM.get(a, a) if isinstance(a, str) else a
    b = NORM.get(b, b) if isinstance(b, str) else b
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if math.isnan(a) or math.isnan(b):
        return False
    return abs(a - b) <= tol * (1 + max(abs(a), abs(b)))


def cmp_enc(a, b, tol, what):
    if a is None and b is None:
        return []
    if a is None or b is None:
        # None vs all-zeros is a soft difference
        z = (a or b)['data']
        if all(v == 0 for v in z):
            return [f'{what}: None vs zeros (ts={"None" if a is None else "zeros"})']
        return [f'{what}: ts={"None" if a is None else "tensor"} py={"None" if b is None else "tensor"}']
    out = []
    if list(a['shape']) != list(b['shape']):
        return [f'{what}: shape ts={a["shape"]} py={b["shape"]}']
    if a['dtype'] != b['dtype']:
        out.append(f'{what}: dtype ts={a["dtype"]} py={b["dtype"]}')
    t = tol if 'float32' not in (a['dtype'], b['dtype']) else 1e-5
    bad = [i for i, (x, y) in enumerate(zip(a['data'], b['data'])) if not close(x, y, t)]
    if bad:
        i = bad[0]
        out.append(f'{what}: {len(bad)}/{len(a["data"])} differ, first [{i}] ts={a["data"][i]} py={b["data"][i]}')
    return out


def compare(ts, py, tol=1e-9):
    d = []
    te, pe = ts.get('err'), py.get('err')
    if te is None and pe is not None and 'modified by an inplace operation' in pe:
        # PyTorch refuses a value its rule saved in place and a later write changed; backprop's rule saved
        # another value (an input instead of the output, or a copy), so it computes: soft, not compared
        d.append(f'torch refuses (version counter), backprop computes: py step {py["step"]} err={pe[:120]!r}')
        return d
    if (te is None) != (pe is None):
        d.append(f'ERROR MISMATCH: ts step {ts["step"]} err={te!r}; py step {py["step"]} err={pe!r}')
        return d
    if pe is not None and 'a leaf Variable that requires grad is being used in an in-place' in pe and (te is None or ts['step'] > py['step']):
        # PyTorch treats a view made before its base took gradients as such a leaf once the base has a
        # history; backprop rebuilds the view's history from its base's and writes (README)
        d.append(f'torch refuses an in-place write to a view whose base gained a history: py step {py["step"]}')
        return d
    if te is not None and pe is not None and 'an expanded tensor' in te:
        # both refuse a write to an expanded tensor: backprop at the write, PyTorch at backward (README)
        d.append(f'both refuse a write to an expanded tensor: ts step {ts["step"]}, py step {py["step"]}')
        return d
    if te is not None and ts['step'] != py['step']:
        d.append(f'ERROR STEP: ts step {ts["step"]} err={te!r}; py step {py["step"]} err={pe!r}')
        return d
    for k in (py.get('vals') or {}):
        d += cmp_enc((ts.get('vals') or {}).get(k), py['vals'][k], tol, f'val {k}')
    for k in ('loss', 'l2'):
        if k in py or k in ts:
            d += cmp_enc(ts.get(k), py.get(k), tol, k)
    if 'g1' in py:
        for i, (a, b) in enumerate(zip(ts.get('g1') or [], py['g1'])):
            d += cmp_enc(a, b, tol, f'g1[{i}]')
    for k in (py.get('grads') or {}):
        d += cmp_enc((ts.get('grads') or {}).get(k), py['grads'][k], tol, f'grad {k}')
    return d


if __name__ == '__main__':
    ts = json.load(open(sys.argv[1]))
    py = json.load(open(sys.argv[2]))
    progs = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else None
    nbad = 0
    for k in py:
        tol = 1e-5 if progs and 'float32' in json.dumps(progs[int(k)]) else 1e-9
        diffs = compare(ts.get(k, {'err': 'missing', 'step': -2}), py[k], tol)
        hard = [x for x in diffs if 'None vs zeros' not in x and not x.startswith(('torch refuses', 'both refuse'))]
        if diffs:
            nbad += bool(hard)
            seed = progs[int(k)]['seed'] if progs else k
            print(f'prog {k} seed {seed} {"HARD" if hard else "soft"}:')
            for x in diffs[:6]:
                print('   ', x)
    print(f'{nbad} hard mismatches of {len(py)}')
