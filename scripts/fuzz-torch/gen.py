"""Differential fuzzer program generator: emits the same program as TypeScript (backprop) and Python (torch).

Each program is a list of statements (py, ts) executed in torch during generation (to learn shapes and
validity), then a loss over weighted sums and backward (or a grad/createGraph/double-backward mode).
"""
import json
import os
import random
import sys

import torch

F64, F32 = torch.float64, torch.float32
DT_TS = {F64: 'float64', F32: 'float32', torch.int64: 'int32', torch.bool: 'bool'}
DT_PY = {F64: 'torch.float64', F32: 'torch.float32', torch.int64: 'torch.int64', torch.bool: 'torch.bool'}


def fnum(x):
    if isinstance(x, bool):
        return '1' if x else '0'
    if isinstance(x, int):
        return str(x)
    r = repr(float(x))
    return r


def nested(vals, shape):
    if len(shape) == 0:
        return fnum(vals[0])
    step = len(vals) // shape[0] if shape[0] else 0
    return '[' + ', '.join(nested(vals[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])) + ']'


class Gen:
    def __init__(self, seed, mode='plain', dtype=None):
        self.r = random.Random(seed)
        self.seed = seed
        self.mode = mode
        self.dt = dtype or (F32 if self.r.random() < 0.2 else F64)
        self.stmts = []  # dicts: py, ts, defines
        self.ns = {'torch': torch}
        self.vars = []  # names of tensor vars (all dtypes)
        self.leaves = []
        self.n = 0
        self.err_stmt = False

    # ------------------------------------------------------------ helpers
    def fresh(self):
        self.n += 1
        return f'v{self.n}'

    def rshape(self, nd=None):
        nd = nd if nd is not None else self.r.randint(1, 4)
        return tuple(self.r.randint(1, 5 if nd <= 2 else 4) for _ in range(nd))

    def rvals(self, n, lo=None):
        r = self.r
        if lo is not None:
            return [r.choice([-1, 1]) * r.uniform(lo, 2.0) for _ in range(n)]
        return [r.gauss(0, 1) for _ in range(n)]

    def try_add(self, py, ts, name=None, allow_err=True):
        """Exec py in torch; keep on success. On error keep (as the program's last forward statement) rarely."""
        try:
            exec(py, self.ns)
        except Exception as e:  # noqa
            if allow_err and self.r.random() < 0.08 and not self.err_stmt:
                self.stmts.append({'py': py, 'ts': ts, 'def': name, 'err': str(e)[:100]})
                self.err_stmt = True
                return 'err'
            if name and name in self.ns:
                del self.ns[name]
            return None
        self.stmts.append({'py': py, 'ts': ts, 'def': name})
        if name:
            self.vars.append(name)
        return name

    def T(self, name):
        return self.ns[name]

    def floats(self):
        return [v for v in self.vars if self.T(v).is_floating_point()]

    def new_const(self, shape, dtype=None, lo=None, grad=False, kind='f'):
        name = self.fresh()
        dtype = dtype or self.dt
        n = 1
        for s in shape:
            n *= s
        if kind == 'f':
            vals = self.rvals(n, lo)
            data = nested(vals, shape)
            rg = ', requires_grad=True' if grad else ''
            rgt = ', requiresGrad: true' if grad else ''
            if len(shape) == 0:
                py = f'{name} = torch.tensor({data}, dtype={DT_PY[dtype]}{rg})'
                ts = f'const {name} = tensor({data} as any, {{ dtype: \'{DT_TS[dtype]}\'{rgt} }})'
            else:
                py = f'{name} = torch.tensor({data}, dtype={DT_PY[dtype]}{rg})'
                ts = f'const {name} = tensor({data}, {{ dtype: \'{DT_TS[dtype]}\'{rgt} }})'
        elif kind == 'bool':
            vals = [self.r.random() < 0.5 for _ in range(n)]
            data = nested(vals, shape)
            py = f'{name} = torch.tensor({data}, dtype=torch.bool)'
            ts = f'const {name} = tensor({data}, {{ dtype: \'bool\' }})'
        else:  # int with values given by lo = high bound (exclusive)
            vals = [self.r.randrange(lo) for _ in range(n)]
            data = nested(vals, shape)
            py = f'{name} = torch.tensor({data}, dtype=torch.int64)'
            ts = f'const {name} = tensor({data}, {{ dtype: \'int32\' }})'
        res = self.try_add(py, ts, name, allow_err=False)
        if res and grad:
            self.leaves.append(name)
        return res

    def new_leaf(self, shape=None, dtype=None, lo=None):
        return self.new_const(shape if shape is not None else self.rshape(), dtype, lo, grad=True)

    def pick(self, pred=lambda t: True, prefer_nonleaf=False):
        c = [v for v in self.vars if pred(self.T(v))]
        if not c:
            return None
        if prefer_nonleaf:
            nl = [v for v in c if not (self.T(v).requires_grad and (self.T(v).is_leaf or (self.T(v)._base is not None and self.T(v)._base.is_leaf)))]
            if nl and self.r.random() < 0.93:
                c = nl
        # bias towards recent vars
        if self.r.random() < 0.5:
            c = c[-4:]
        return self.r.choice(c)

    def bshape_into(self, shape):
        """A shape that broadcasts into `shape` (not changing it)."""
        k = self.r.randint(0, len(shape))
        suf = list(shape[len(shape) - k:])
        return tuple(1 if self.r.random() < 0.3 else s for s in suf)

    def bshape_with(self, shape):
        """A shape that broadcasts with `shape` (result may be larger)."""
        s = list(self.bshape_into(shape))
        # replace some of shape's 1-dims partner by a size
        off = len(shape) - len(s)
        for i in range(len(s)):
            if shape[off + i] == 1 and self.r.random() < 0.5:
                s[i] = self.r.randint(1, 3)
        if self.r.random() < 0.2 and len(shape) < 4:
            s = [self.r.randint(1, 3)] + [1] * (len(shape) - len(s)) + s
        return tuple(s)

    def operand(self, shape, grow=False, lo=None):
        """A tensor operand with a shape broadcasting into (or with) shape: existing var or a new leaf/const."""
        target = self.bshape_with(shape) if grow else self.bshape_into(shape)
        if lo is None and self.r.random() < 0.45:
            c = [v for v in self.floats() if tuple(self.T(v).shape) == tuple(target)]
            if c:
                v = self.r.choice(c)
                if self.r.random() < 0.15:
                    # mixed dtype
                    return v
                return v if self.T(v).dtype == self.dt else v
        dtype = self.dt if self.r.random() < 0.9 else (F32 if self.dt == F64 else F64)
        if self.r.random() < 0.6:
            return self.new_leaf(target, dtype, lo)
        return self.new_const(target, dtype, lo)

    def scalar(self):
        return self.r.choice([2, -1, 0.5, 3, -2.5, 1.5, 0.25, 0, 1])

    def basic_index(self, shape):
        nd = len(shape)
        items = []
        used = 0
        ell = False
        k = self.r.randint(1, max(1, nd))
        for _ in range(k):
            c = self.r.random()
            if c < 0.12 and not ell:
                items.append('...')
                ell = True
                continue
            if c < 0.22:
                items.append('None')
                continue
            if used >= nd:
                break
            sz = shape[used] if not ell else shape[used]  # approximate; torch validates
            used += 1
            if self.r.random() < 0.35:
                items.append(str(self.r.randint(-sz, sz - 1)))
            else:
                a = self.r.choice(['', str(self.r.randint(-sz, sz))])
                b = self.r.choice(['', str(self.r.randint(-sz, sz + 1))])
                st = self.r.choice(['', '', '2', '3'])
                items.append(f'{a}:{b}' + (f':{st}' if st else ''))
        if not items:
            items = [':']
        return ', '.join(items)

    # ------------------------------------------------------------ statements
    def s_view(self):
        x = self.pick(lambda t: t.dim() > 0 or True)
        if x is None:
            return
        t = self.T(x)
        sh, nd = tuple(t.shape), t.dim()
        y = self.fresh()
        r = self.r
        op = r.choice(['reshape', 'view', 'narrow', 'select', 'transpose', 't', 'permute', 'expand', 'squeeze', 'unsqueeze',
                       'flatten', 'at', 'at', 'at'])
        if op in ('reshape', 'view'):
            n = t.numel()
            dims = []
            m = n
            for _ in range(r.randint(0, 3)):
                ds = [d for d in range(1, m + 1) if m % d == 0]
                d = r.choice(ds)
                dims.append(d)
                m //= d
            dims.append(m)
            r.shuffle(dims)
            if r.random() < 0.3:
                dims[r.randrange(len(dims))] = -1
            py = f'{y} = {x}.{op}({", ".join(map(str, dims))}{"," if len(dims) == 1 else ""})'
            ts = f'const {y} = {x}.{op}([{", ".join(map(str, dims))}])'
        elif nd == 0:
            return
        elif op == 'narrow':
            d = r.randrange(nd)
            s = r.randint(0, sh[d] - 1) if sh[d] > 0 else 0
            ln = r.randint(0, sh[d] - s) if r.random() < 0.1 else r.randint(1, max(1, sh[d] - s))
            dd = d - nd if r.random() < 0.3 else d
            py = f'{y} = {x}.narrow({dd}, {s}, {ln})'
            ts = f'const {y} = {x}.narrow({dd}, {s}, {ln})'
        elif op == 'select':
            d = r.randrange(nd)
            i = r.randint(-sh[d], sh[d] - 1)
            py = f'{y} = {x}.select({d}, {i})'
            ts = f'const {y} = {x}.select({d}, {i})'
        elif op == 'transpose':
            a, b = r.randrange(nd), r.randrange(nd)
            if r.random() < 0.3:
                a -= nd
            py = f'{y} = {x}.transpose({a}, {b})'
            ts = f'const {y} = {x}.transpose({a}, {b})'
        elif op == 't':
            py = f'{y} = {x}.t()'
            ts = f'const {y} = {x}.t()'
        elif op == 'permute':
            p = list(range(nd))
            r.shuffle(p)
            py = f'{y} = {x}.permute({", ".join(map(str, p))}{"," if nd == 1 else ""})'
            ts = f'const {y} = {x}.permute([{", ".join(map(str, p))}])'
        elif op == 'expand':
            s = [(-1 if r.random() < 0.3 else d) if d != 1 else r.randint(1, 3) for d in sh]
            if r.random() < 0.3 and nd < 4:
                s = [r.randint(1, 3)] + s
            py = f'{y} = {x}.expand({", ".join(map(str, s))}{"," if len(s) == 1 else ""})'
            ts = f'const {y} = {x}.expand([{", ".join(map(str, s))}])'
        elif op == 'squeeze':
            if r.random() < 0.4:
                py = f'{y} = {x}.squeeze()'
                ts = f'const {y} = {x}.squeeze()'
            else:
                d = r.randint(-nd, nd - 1)
                py = f'{y} = {x}.squeeze({d})'
                ts = f'const {y} = {x}.squeeze({d})'
        elif op == 'unsqueeze':
            d = r.randint(-nd - 1, nd)
            py = f'{y} = {x}.unsqueeze({d})'
            ts = f'const {y} = {x}.unsqueeze({d})'
        elif op == 'flatten':
            a = r.randint(0, nd - 1)
            b = r.randint(a, nd - 1)
            if r.random() < 0.3:
                b = b - nd
            py = f'{y} = {x}.flatten({a}, {b})'
            ts = f'const {y} = {x}.flatten({a}, {b})'
        else:
            idx = self.basic_index(sh)
            py = f'{y} = {x}[{idx}]'
            ts = f"const {y} = {x}.at('{idx}')"
        self.try_add(py, ts, y)

    def s_inplace(self):
        x = self.pick(lambda t: t.is_floating_point(), prefer_nonleaf=True)
        if x is None:
            return
        t = self.T(x)
        sh = tuple(t.shape)
        r = self.r
        op = r.choice(['add_', 'sub_', 'mul_', 'div_', 'copy_', 'fill_', 'zero_', 'clamp_', 'set', 'set', 'set_adv', 'maskedFill_'])
        if op in ('add_', 'sub_', 'mul_', 'div_'):
            if r.random() < 0.3:
                o = fnum(self.scalar() if op != 'div_' else r.choice([2, -0.5, 4, 1.5]))
            else:
                o = self.operand(sh, lo=0.5 if op == 'div_' else None)
                if o is None:
                    return
            if op in ('add_', 'sub_') and r.random() < 0.3:
                a = r.choice([2, -1, 0.5])
                py = f'{x}.{op}({o}, alpha={fnum(a)})'
                ts = f'{x}.{op}({o}, {fnum(a)})'
            else:
                py = f'{x}.{op}({o})'
                ts = f'{x}.{op}({o})'
        elif op == 'copy_':
            o = self.operand(sh)
            if o is None:
                return
            py = f'{x}.copy_({o})'
            ts = f'{x}.copy_({o})'
        elif op == 'fill_':
            if r.random() < 0.3:
                o = self.new_leaf((), self.dt)
                if o is None:
                    return
            else:
                o = fnum(self.scalar())
            py = f'{x}.fill_({o})'
            ts = f'{x}.fill_({o})'
        elif op == 'zero_':
            py = f'{x}.zero_()'
            ts = f'{x}.zero_()'
        elif op == 'clamp_':
            lo = round(r.uniform(-1, 0.3), 3)
            hi = round(r.uniform(lo, 1.5), 3)
            c = r.random()
            if c < 0.2:
                py, ts = f'{x}.clamp_(min={lo})', f'{x}.clamp_({lo})'
            elif c < 0.4:
                py, ts = f'{x}.clamp_(max={hi})', f'{x}.clamp_(null, {hi})'
            else:
                py, ts = f'{x}.clamp_({lo}, {hi})', f'{x}.clamp_({lo}, {hi})'
        elif op == 'set':
            if t.dim() == 0:
                return
            idx = self.basic_index(sh)
            try:
                tsh = tuple(eval(f'_t[{idx}]', {'_t': torch.zeros(sh)}).shape)
            except Exception:
                return
            if r.random() < 0.35:
                v = fnum(self.scalar())
            else:
                v = self.operand(tsh)
                if v is None:
                    return
            py = f'{x}[{idx}] = {v}'
            ts = f"{x}.set('{idx}', {v})"
        elif op == 'set_adv':
            if t.dim() == 0:
                return
            if r.random() < 0.5:
                k = r.randint(1, t.dim())
                m = self.new_const(sh[:k], kind='bool')
                if m is None:
                    return
                nsel = int(self.T(m).sum())
                vsh = (nsel,) + sh[k:]
            else:
                k = r.randint(1, sh[0])
                perm = list(range(sh[0]))
                r.shuffle(perm)
                name = self.fresh()
                m = self.try_add(f'{name} = torch.tensor([{", ".join(map(str, perm[:k]))}], dtype=torch.int64)',
                                 f"const {name} = tensor([{', '.join(map(str, perm[:k]))}], {{ dtype: 'int32' }})", name, False)
                if m is None:
                    return
                vsh = (k,) + sh[1:]
            if r.random() < 0.35:
                v = fnum(self.scalar())
            else:
                v = self.operand(vsh)
                if v is None:
                    return
            py = f'{x}[{m}] = {v}'
            ts = f'{x}.set({m}, {v})'
        else:  # maskedFill_
            m = self.new_const(self.bshape_into(sh), kind='bool')
            if m is None:
                return
            if r.random() < 0.25:
                v = self.new_leaf((), self.dt)
                if v is None:
                    return
            else:
                v = fnum(self.scalar())
            py = f'{x}.masked_fill_({m}, {v})'
            ts = f'{x}.maskedFill_({m}, {v})'
        self.try_add(py, ts, None)

    def s_oop(self):
        x = self.pick(lambda t: t.is_floating_point())
        if x is None:
            return
        t = self.T(x)
        sh, nd = tuple(t.shape), t.dim()
        r = self.r
        y = self.fresh()
        op = r.choice(['bin', 'bin', 'bin', 'unary', 'unary', 'pow', 'powt', 'clamp', 'sum', 'mean', 'max', 'amax', 'maxall', 'matmul',
                       'cat', 'stack', 'where', 'gather', 'indexSelect', 'cumsum', 'sort', 'topk', 'softmax', 'logsumexp', 'mul1',
                       'prod', 'cumprod', 'minimum'])
        if op == 'mul1':
            py, ts = f'{y} = {x} * 1', f'const {y} = {x}.mul(1)'
        elif op == 'bin':
            f = r.choice(['add', 'sub', 'mul', 'div'])
            if r.random() < 0.25:
                o = fnum(self.scalar() if f != 'div' else r.choice([2, -0.5, 4]))
            else:
                o = self.operand(sh, grow=True, lo=0.5 if f == 'div' else None)
                if o is None:
                    return
            if f in ('add', 'sub') and r.random() < 0.25:
                a = fnum(r.choice([2, -1, 0.5]))
                py, ts = f'{y} = {x}.{f}({o}, alpha={a})', f'const {y} = {x}.{f}({o}, {a})'
            else:
                py, ts = f'{y} = {x}.{f}({o})', f'const {y} = {x}.{f}({o})'
        elif op == 'minimum':
            f = r.choice(['maximum', 'minimum'])
            o = self.operand(sh, grow=True)
            if o is None:
                return
            py, ts = f'{y} = torch.{f}({x}, {o})', f'const {y} = {x}.{f}({o})'
        elif op == 'unary':
            f = r.choice(['exp', 'tanh', 'sigmoid', 'relu', 'abs', 'neg', 'sin', 'square'])
            py, ts = f'{y} = {x}.{f}()', f'const {y} = {x}.{f}()'
        elif op == 'pow':
            e = r.choice([2, 3, 0.5, -1, 1.5, 0, 1, -2])
            py, ts = f'{y} = {x}.pow({fnum(e)})', f'const {y} = {x}.pow({fnum(e)})'
        elif op == 'powt':
            o = self.operand(sh, grow=True)
            if o is None:
                return
            py, ts = f'{y} = {x}.pow({o})', f'const {y} = {x}.pow({o})'
        elif op == 'clamp':
            lo = round(r.uniform(-1, 0.3), 3)
            hi = round(r.uniform(lo, 1.5), 3)
            py, ts = f'{y} = {x}.clamp({lo}, {hi})', f'const {y} = {x}.clamp({lo}, {hi})'
        elif op in ('sum', 'mean', 'amax'):
            kd = r.random() < 0.4
            if nd == 0 or r.random() < 0.2:
                if op == 'amax':
                    py, ts = f'{y} = {x}.amax()', f'const {y} = {x}.amax()'
                else:
                    py, ts = f'{y} = {x}.{op}()', f'const {y} = {x}.{op}()'
            else:
                ds = sorted(r.sample(range(nd), r.randint(1, nd)))
                ds = [d - nd if r.random() < 0.3 else d for d in ds]
                py = f'{y} = {x}.{op}(({", ".join(map(str, ds))},), keepdim={kd})'
                ts = f'const {y} = {x}.{op}([{", ".join(map(str, ds))}], {str(kd).lower()})'
        elif op == 'max':
            if nd == 0:
                return
            d = r.randint(-nd, nd - 1)
            kd = r.random() < 0.4
            f = r.choice(['max', 'min'])
            py = f'{y} = {x}.{f}({d}, keepdim={kd}).values'
            ts = f'const {y} = {x}.{f}({d}, {str(kd).lower()}).values'
        elif op == 'maxall':
            f = r.choice(['max', 'min'])
            py, ts = f'{y} = {x}.{f}()', f'const {y} = {x}.{f}()'
        elif op == 'prod':
            if nd == 0:
                return
            d = r.randint(-nd, nd - 1)
            py, ts = f'{y} = {x}.prod({d})', f'const {y} = {x}.prod({d})'
        elif op == 'cumprod':
            if nd == 0:
                return
            d = r.randint(-nd, nd - 1)
            py, ts = f'{y} = {x}.cumprod({d})', f'const {y} = {x}.cumprod({d})'
        elif op == 'matmul':
            n = r.randint(1, 4)
            if nd == 0:
                return
            if nd == 1:
                osh = r.choice([(sh[0],), (sh[0], n), (r.randint(1, 3), sh[0], n)])
            else:
                k = sh[-1]
                batch = list(sh[:-2])
                if batch and r.random() < 0.4:
                    batch = [1 if r.random() < 0.5 else b for b in batch]
                if r.random() < 0.2:
                    batch = batch[1:] if batch else [r.randint(1, 3)]
                osh = r.choice([(k,), tuple(batch) + (k, n)])
            o = self.operand(osh) if False else None
            c = [v for v in self.floats() if tuple(self.T(v).shape) == tuple(osh)]
            o = r.choice(c) if c and r.random() < 0.3 else self.new_leaf(osh, self.dt)
            if o is None:
                return
            py, ts = f'{y} = {x}.matmul({o})', f'const {y} = {x}.matmul({o})'
        elif op in ('cat', 'stack'):
            if nd == 0:
                return
            d = r.randint(-nd, nd - 1) if op == 'cat' else r.randint(-nd - 1, nd)
            items = [x]
            for _ in range(r.randint(1, 2)):
                if r.random() < 0.25:
                    items.append(x)
                    continue
                s = list(sh)
                if op == 'cat':
                    s[d] = r.randint(1, 3)
                c = [v for v in self.floats() if tuple(self.T(v).shape) == tuple(s)]
                o = r.choice(c) if c and r.random() < 0.5 else self.new_leaf(tuple(s), self.dt)
                if o is None:
                    return
                items.append(o)
            r.shuffle(items)
            py = f'{y} = torch.{op}([{", ".join(items)}], {d})'
            ts = f'const {y} = {op}([{", ".join(items)}], {d})'
        elif op == 'where':
            o = self.operand(sh, grow=True) if r.random() < 0.8 else fnum(self.scalar())
            if o is None:
                return
            if r.random() < 0.5 and not o[0].isdigit() and not o.startswith('-'):
                cond = f'{x}.gt({o})'
                condts = cond
            else:
                m = self.new_const(self.bshape_into(sh), kind='bool')
                if m is None:
                    return
                cond = condts = m
            py, ts = f'{y} = torch.where({cond}, {x}, {o})', f'const {y} = where({condts}, {x}, {o})'
        elif op == 'gather':
            if nd == 0:
                return
            d = r.randrange(nd)
            ish = tuple(r.randint(1, s) if i != d else r.randint(1, 4) for i, s in enumerate(sh))
            m = self.new_const(ish, kind='int', lo=sh[d])
            if m is None:
                return
            py, ts = f'{y} = {x}.gather({d}, {m})', f'const {y} = {x}.gather({d}, {m})'
        elif op == 'indexSelect':
            if nd == 0:
                return
            d = r.randrange(nd)
            m = self.new_const((r.randint(1, 4),), kind='int', lo=sh[d])
            if m is None:
                return
            py, ts = f'{y} = {x}.index_select({d}, {m})', f'const {y} = {x}.indexSelect({d}, {m})'
        elif op == 'cumsum':
            d = r.randint(-nd, nd - 1) if nd else 0
            py, ts = f'{y} = {x}.cumsum({d})', f'const {y} = {x}.cumsum({d})'
        elif op == 'sort':
            if nd == 0:
                return
            d = r.randint(-nd, nd - 1)
            desc = r.random() < 0.5
            py = f'{y} = {x}.sort({d}, descending={desc}).values'
            ts = f'const {y} = {x}.sort({d}, {{ descending: {str(desc).lower()} }}).values'
        elif op == 'topk':
            if nd == 0:
                return
            d = r.randint(-nd, nd - 1)
            k = r.randint(1, sh[d])
            lg = r.random() < 0.7
            py = f'{y} = {x}.topk({k}, {d}, largest={lg}).values'
            ts = f'const {y} = {x}.topk({k}, {d}, {{ largest: {str(lg).lower()} }}).values'
        elif op == 'softmax':
            if nd == 0:
                return
            d = r.randint(-nd, nd - 1)
            f = r.choice(['softmax', 'log_softmax'])
            py = f'{y} = {x}.{f}({d})'
            ts = f'const {y} = {x}.{"softmax" if f == "softmax" else "logSoftmax"}({d})'
        elif op == 'logsumexp':
            if nd == 0:
                return
            d = r.randint(-nd, nd - 1)
            kd = r.random() < 0.4
            py = f'{y} = {x}.logsumexp({d}, keepdim={kd})'
            ts = f'const {y} = {x}.logsumexp({d}, {str(kd).lower()})'
        self.try_add(py, ts, y)

    def s_nonleaf(self):
        x = self.pick(lambda t: t.is_floating_point() and t.is_leaf and t.requires_grad)
        if x is None:
            return
        y = self.fresh()
        f = self.r.choice(['mul1', 'clone', 'add0'])
        if f == 'mul1':
            self.try_add(f'{y} = {x} * 1', f'const {y} = {x}.mul(1)', y)
        elif f == 'clone':
            self.try_add(f'{y} = {x}.clone()', f'const {y} = {x}.clone()', y)
        else:
            self.try_add(f'{y} = {x} + 0', f'const {y} = {x}.add(0)', y)

    def generate(self, nstmts=None):
        r = self.r
        for _ in range(r.randint(1, 3)):
            self.new_leaf()
        for _ in range(r.randint(1, 2)):
            self.s_nonleaf()
        nst = nstmts or r.randint(4, 14)
        tries = 0
        while len(self.stmts) < nst + 6 and tries < 200 and not self.err_stmt:
            tries += 1
            c = r.random()
            try:
                if c < 0.3:
                    self.s_view()
                elif c < 0.6:
                    self.s_inplace()
                elif c < 0.93:
                    self.s_oop()
                else:
                    self.s_nonleaf()
            except (ValueError, IndexError):
                pass
        # loss terms: random subset of float vars (prefer later ones), weights fixed
        fl = [v for v in self.floats()]
        terms = [v for v in fl if r.random() < 0.6] or fl[-1:]
        self.terms = []
        for v in terms:
            t = self.T(v)
            w = nested([round(r.uniform(-1, 1), 3) for _ in range(t.numel())], tuple(t.shape))
            self.terms.append((v, w, DT_TS[t.dtype] if t.dtype in DT_TS else 'float64'))
        return self

    # ------------------------------------------------------------ emission
    def program(self):
        return {'seed': self.seed, 'mode': self.mode, 'stmts': self.stmts, 'terms': self.terms, 'leaves': self.leaves,
                'vars': self.vars}


def emit_ts(p, fname):
    L = [f'async function {fname}(): Promise<any> {{', '  const R: any = { step: -1 };', '  try {']
    defined = set()
    for i, s in enumerate(p['stmts']):
        L.append(f'    R.step = {i}; {s["ts"]};')
        if s.get('def'):
            defined.add(s['def'])
    terms = [t for t in p['terms'] if t[0] in defined]
    leaves = [v for v in p['leaves'] if v in defined]
    vars_ = [v for v in p['vars'] if v in defined]
    L.append('    R.step = 1000;')
    L.append('    R.vals = {};')
    for v in vars_:
        L.append(f'    R.vals.{v} = enc({v});')
    mode = p.get('mode', 'plain')
    if terms:
        L.append(f'    let loss = {terms[0][0]}.mul(tensor({terms[0][1]}, {{ dtype: \'{terms[0][2]}\' }})).sum();')
        for v, w, dt in terms[1:]:
            L.append(f'    loss = loss.add({v}.mul(tensor({w}, {{ dtype: \'{dt}\' }})).sum());')
        L.append('    R.loss = enc(loss);')
        L.append('    R.step = 1001;')
        if mode == 'plain':
            L.append('    loss.backward();')
        elif mode == 'retain':
            L.append('    loss.backward(undefined, { retainGraph: true });')
            L.append('    R.step = 1002;')
            L.append('    loss.backward();')
        elif mode == 'double':
            lv = ', '.join(leaves)
            L.append(f'    const gs = grad(loss, [{lv}], {{ createGraph: true, allowUnused: true }});')
            L.append('    R.g1 = gs.map((g: any) => enc(g));')
            L.append('    R.step = 1002;')
            L.append('    let l2: any = null;')
            L.append(f'    gs.forEach((g: any, i: number) => {{ if (g && g.requiresGrad) {{ const t = g.mul(g).mul(0.5 + i).sum(); l2 = l2 === null ? t : l2.add(t); }} }});')
            L.append('    R.step = 1003;')
            L.append('    if (l2 !== null) { R.l2 = enc(l2); l2.backward(); }')
    L.append('    R.step = 2000;')
    L.append('    R.grads = {};')
    for v in leaves:
        L.append(f'    R.grads.{v} = enc({v}.grad);')
    L.append('  } catch (e: any) { R.err = String(e?.message ?? e).slice(0, 300); }')
    L.append('  return R;')
    L.append('}')
    return '\n'.join(L)


def emit_py(p, fname):
    L = [f'def {fname}():', '    R = {"step": -1}', '    try:']
    defined = set()
    for i, s in enumerate(p['stmts']):
        L.append(f'        R["step"] = {i}; {s["py"]}')
        if s.get('def'):
            defined.add(s['def'])
    terms = [t for t in p['terms'] if t[0] in defined]
    leaves = [v for v in p['leaves'] if v in defined]
    vars_ = [v for v in p['vars'] if v in defined]
    PDT = {'float64': 'torch.float64', 'float32': 'torch.float32', 'int32': 'torch.float64', 'bool': 'torch.float64'}
    L.append('        R["step"] = 1000')
    L.append('        R["vals"] = {}')
    for v in vars_:
        L.append(f'        R["vals"]["{v}"] = enc({v})')
    mode = p.get('mode', 'plain')
    if terms:
        L.append(f'        loss = ({terms[0][0]} * torch.tensor({terms[0][1]}, dtype={PDT[terms[0][2]]})).sum()')
        for v, w, dt in terms[1:]:
            L.append(f'        loss = loss + ({v} * torch.tensor({w}, dtype={PDT[dt]})).sum()')
        L.append('        R["loss"] = enc(loss)')
        L.append('        R["step"] = 1001')
        if mode == 'plain':
            L.append('        loss.backward()')
        elif mode == 'retain':
            L.append('        loss.backward(retain_graph=True)')
            L.append('        R["step"] = 1002')
            L.append('        loss.backward()')
        elif mode == 'double':
            lv = ', '.join(leaves)
            L.append(f'        gs = torch.autograd.grad(loss, [{lv}], create_graph=True, allow_unused=True)')
            L.append('        R["g1"] = [enc(g) for g in gs]')
            L.append('        R["step"] = 1002')
            L.append('        l2 = None')
            L.append('        for i, g in enumerate(gs):')
            L.append('            if g is not None and g.requires_grad:')
            L.append('                t = (g * g * (0.5 + i)).sum(); l2 = t if l2 is None else l2 + t')
            L.append('        R["step"] = 1003')
            for v in leaves:
                L.append(f'        {v}.grad = None  # torch 1.13 can leak autograd.grad results into .grad')
            L.append('        if l2 is not None:')
            L.append('            R["l2"] = enc(l2); l2.backward()')
    L.append('        R["step"] = 2000')
    L.append('        R["grads"] = {}')
    for v in leaves:
        L.append(f'        R["grads"]["{v}"] = enc({v}.grad)')
    L.append('    except Exception as e:')
    L.append('        R["err"] = str(e)[:300]')
    L.append('    return R')
    return '\n'.join(L)


# the library's sources as the generated TypeScript imports them (run.ts passes their absolute path)
SRC = os.environ.get('BACKPROP_SRC', '../../../src')
TS_HEAD = """import { init, tensor, cat, stack, where, noGrad } from 'SRC/index.js';
import { grad } from 'SRC/tensor/autograd.js';
function enc(t: any): any {
  if (t === null || t === undefined) return null;
  const d = noGrad(() => Array.from(t.dataSync() as ArrayLike<number>, (v: any) => (typeof v === 'boolean' ? +v : Number.isFinite(Number(v)) ? Number(v) : String(v))));
  return { shape: t.shape, dtype: t.dtype, data: d };
}
"""
TS_HEAD = TS_HEAD.replace('SRC', SRC)

PY_HEAD = """import torch, json, sys, math
def enc(t):
    if t is None: return None
    d = t.detach().reshape(-1).tolist()
    d = [int(v) if isinstance(v, bool) else (v if math.isfinite(v) else str(v)) for v in d]
    dt = {torch.float64: 'float64', torch.float32: 'float32', torch.int64: 'int32', torch.bool: 'bool'}.get(t.dtype, str(t.dtype))
    return {"shape": list(t.shape), "dtype": dt, "data": d}
"""


def write_pair(progs, base, backend='js'):
    ts = [TS_HEAD, f"await init({{ backend: '{backend}' }});", 'const OUT: any = {};']
    py = [PY_HEAD, 'OUT = {}']
    for i, p in enumerate(progs):
        ts.append(emit_ts(p, f'p{i}'))
        ts.append(f'OUT[{i}] = await p{i}();')
        py.append(emit_py(p, f'p{i}'))
        py.append(f'OUT[{i}] = p{i}()')
    ts.append("import('node:fs').then((fs) => fs.writeFileSync(process.argv[2], JSON.stringify(OUT)));")
    py.append('json.dump(OUT, open(sys.argv[1], "w"))')
    open(base + '.mts', 'w').write('\n'.join(ts) + '\n')
    open(base + '.py', 'w').write('\n'.join(py) + '\n')


def make(seed, mode=None):
    r = random.Random(seed * 7919 + 1)
    if mode is None:
        c = r.random()
        mode = 'plain' if c < 0.8 else ('retain' if c < 0.9 else 'double')
    g = Gen(seed, mode)
    g.generate()
    return g.program()


if __name__ == '__main__':
    start, count, base = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    backend = sys.argv[4] if len(sys.argv) > 4 else 'js'
    import os
    progs = [make(s, os.environ.get("MODE")) for s in range(start, start + count)]
    json.dump(progs, open(base + '.json', 'w'))
    write_pair(progs, base, backend)
