import { describe, expect, it } from 'vitest';
import { optim, nn, ValueError } from '../../src/index.js';

describe('optim.createOptimizer / createScheduler (shared by the CLI and the playground)', () => {
  const params = () => new nn.Linear(3, 2).parameters();
  it('builds each optimizer with the given options only', () => {
    const sgd = optim.createOptimizer('sgd', params(), { lr: 0.1, momentum: 0.9, nesterov: true });
    expect(sgd).toBeInstanceOf(optim.SGD);
    expect(sgd.paramGroups[0]).toMatchObject({ lr: 0.1, momentum: 0.9, nesterov: true });
    expect(optim.createOptimizer('adam', params(), { lr: 1e-3, betas: [0.8, 0.9] }).paramGroups[0]).toMatchObject({ betas: [0.8, 0.9] });
    expect(optim.createOptimizer('adamw', params(), { lr: 1e-3 })).toBeInstanceOf(optim.AdamW);
    expect(optim.createOptimizer('rmsprop', params(), { lr: 1e-3 })).toBeInstanceOf(optim.RMSprop);
    expect(optim.createOptimizer('adagrad', params(), { lr: 1e-2, weightDecay: undefined })).toBeInstanceOf(optim.Adagrad);
  });
  it('refuses unknown names, unknown options and options the optimizer lacks', () => {
    expect(() => optim.createOptimizer('lbfgs' as never, params(), { lr: 1 })).toThrow(ValueError);
    expect(() => optim.createOptimizer('sgd', params(), { lr: 1, weight_decay: 1 } as never)).toThrow(/did you mean 'weightDecay'/);
    expect(() => optim.createOptimizer('adam', params(), { lr: 1, momentum: 0.9 })).toThrow(/momentum/);
  });
  it('builds schedulers with their step interval', () => {
    const o = optim.createOptimizer('sgd', params(), { lr: 1 });
    expect(optim.createScheduler('none', o)).toEqual({ scheduler: null, interval: 'epoch' });
    const s = optim.createScheduler('step', o, { stepSize: 1, gamma: 0.5 });
    expect(s.scheduler).toBeInstanceOf(optim.StepLR);
    (s.scheduler as optim.StepLR).step();
    expect(o.paramGroups[0]!.lr).toBe(0.5);
    expect(optim.createScheduler('cosine', optim.createOptimizer('sgd', params(), { lr: 1 }), { tMax: 4 }).scheduler).toBeInstanceOf(
      optim.CosineAnnealingLR,
    );
    expect(
      optim.createScheduler('exponential', optim.createOptimizer('sgd', params(), { lr: 1 }), { gamma: 0.9 }).scheduler,
    ).toBeInstanceOf(optim.ExponentialLR);
    expect(optim.createScheduler('plateau', optim.createOptimizer('sgd', params(), { lr: 1 })).scheduler).toBeInstanceOf(
      optim.ReduceLROnPlateau,
    );
    const oc = optim.createScheduler('onecycle', optim.createOptimizer('sgd', params(), { lr: 1 }), { epochs: 2, stepsPerEpoch: 3 });
    expect(oc.interval).toBe('batch');
    expect(() => optim.createScheduler('cyclic' as never, o)).toThrow(/unknown scheduler/);
  });
});
