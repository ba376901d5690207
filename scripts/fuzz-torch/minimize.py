"""Minimize a mismatching program: greedy one-statement / one-term removal, candidates run in batches.

usage: /usr/bin/python3 scripts/fuzz-torch/minimize.py out/BATCH.json INDEX [js|wasm] [categories]
(BATCH.json: the programs run.ts wrote for a batch; writes out/min_BATCH.json_INDEX.json)"""
import copy
import json
import subprocess
import sys

HERE = __import__('os').path.dirname(__import__('os').path.abspath(__file__))
ROOT = __import__('os').path.dirname(__import__('os').path.dirname(HERE))
sys.path.insert(0, HERE)
from gen import write_pair, emit_ts, emit_py  # noqa
from compare import compare  # noqa


def cats(diffs):
    c = set()
    for d in diffs:
        if d.startswith('ERROR MISMATCH'):
            c.add('err-ts' if "py step" in d and "err=None" in d.split('py step')[1] else 'err-py')
        elif d.startswith('ERROR STEP'):
            c.add('errstep')
        elif 'None vs zeros' in d:
            continue
        else:
            c.add(d.split(' ')[0].rstrip(':'))
    return c


def run_batch(progs, backend, tag='min'):
    __import__('os').makedirs(f'{HERE}/out', exist_ok=True)
    base = f'{HERE}/out/{tag}'
    write_pair(progs, base, backend)
    subprocess.run(['/usr/bin/python3', base + '.py', base + '.py.json'], check=True)
    subprocess.run(['timeout', '600', 'node', '--import', 'tsx', base + '.mts', base + '.ts.json'], cwd=ROOT, check=True)
    ts = json.load(open(base + '.ts.json'))
    py = json.load(open(base + '.py.json'))
    return [compare(ts.get(str(i), {'err': 'missing', 'step': -2}), py[str(i)], 1e-5 if 'float32' in json.dumps(progs[i]) else 1e-9)
            for i in range(len(progs))]


def minimize(p, backend='js', want=None):
    base = run_batch([p], backend)[0]
    want = want or cats(base)
    print('target categories', want, base[:3], file=sys.stderr)
    if not want:
        return p, base
    cur = p
    changed = True
    while changed:
        changed = False
        cands = []
        for i in range(len(cur['stmts'])):
            q = copy.deepcopy(cur)
            del q['stmts'][i]
            cands.append(q)
        for i in range(len(cur['terms'])):
            if len(cur['terms']) > 1:
                q = copy.deepcopy(cur)
                del q['terms'][i]
                cands.append(q)
        if cur['mode'] != 'plain':
            q = copy.deepcopy(cur)
            q['mode'] = 'plain'
            cands.append(q)
        if not cands:
            break
        res = run_batch(cands, backend)
        for q, r in zip(cands, res):
            if cats(r) & want:
                cur = q
                changed = True
                base = r
                break
    return cur, base


if __name__ == '__main__':
    progs = json.load(open(sys.argv[1]))
    k = int(sys.argv[2])
    backend = sys.argv[3] if len(sys.argv) > 3 else 'js'
    want = set(sys.argv[4].split(',')) if len(sys.argv) > 4 else None
    m, diffs = minimize(progs[k], backend, want)
    json.dump(m, open(f'{HERE}/out/min_{sys.argv[1].split("/")[-1]}_{k}.json', 'w'))
    print('=== diffs'); print('\n'.join(diffs))
    print('=== py'); print(emit_py(m, 'prog'))
    print('=== ts'); print(emit_ts(m, 'prog'))
