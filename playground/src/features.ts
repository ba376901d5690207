/**
 * Input features as a real preprocessing layer: `FeatureMap` is an `nn.Module` at the head of every
 * playground network, so an exported model carries its features and a user in Node gets the same
 * predictions from raw (x₁, x₂) points.
 *
 * x: [N, 2] → [N, F], columns in the order given (X₁, X₂, X₁², X₂², X₁X₂, sin X₁, sin X₂).
 */
import { cat, nn, type Tensor } from './bp.js';
import { FEATURES, type FeatureName } from './state.js';

export class FeatureMap extends nn.Module {
  readonly features: FeatureName[];

  constructor(features: readonly FeatureName[]) {
    super();
    for (const f of features) if (!FEATURES.includes(f)) throw new Error(`FeatureMap: unknown feature ${JSON.stringify(f)}`);
    if (features.length === 0) throw new Error('FeatureMap: at least one feature is needed');
    this.features = [...features];
  }

  forward(x: Tensor): Tensor {
    const x1 = x.narrow(1, 0, 1);
    const x2 = x.narrow(1, 1, 1);
    const cols = this.features.map((f) => {
      switch (f) {
        case 'x':
          return x1;
        case 'y':
          return x2;
        case 'xSquared':
          return x1.square();
        case 'ySquared':
          return x2.square();
        case 'xTimesY':
          return x1.mul(x2);
        case 'sinX':
          return x1.sin();
        case 'sinY':
          return x2.sin();
      }
    });
    return cols.length === 1 ? cols[0]! : cat(cols, 1);
  }

  override extraRepr(): string {
    return `features=[${this.features.join(', ')}]`;
  }
}
