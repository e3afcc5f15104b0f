import RealModule

/// Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization"), as `torch.optim.Adam`.
///
/// Defaults: learning rate 1e-3, β₁ = 0.9, β₂ = 0.999, ε = 1e-8, weight decay 0. Weight decay is
/// L2 regularisation added to the gradient (`g + λ·θ`), as torch.optim.Adam's `weight_decay` —
/// not AdamW's decoupled decay. One update, at step t:
///
///     g ← ∇θ + λθ;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²
///     θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
public struct Adam: Optimizer {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// The number of steps taken.
    public private(set) var stepCount = 0
    /// First and second moment estimates per parameter, created on the first step.
    var firstMoments: [Matrix] = []
    var secondMoments: [Matrix] = []

    public init(
        learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public mutating func step(_ network: inout Network) {
        stepCount += 1
        let b1 = beta1, b2 = beta2, eps = epsilon, decay = weightDecay
        let correction1 = 1 - Double.pow(Double(b1), stepCount)
        let correction2 = 1 - Double.pow(Double(b2), stepCount)
        let stepSize = Float(Double(learningRate) / correction1)
        let rootCorrection2 = Float(correction2.squareRoot())
        network.updateParameters { index, parameter, gradient in
            if index == firstMoments.count {
                firstMoments.append(Matrix(rows: parameter.rows, columns: parameter.columns))
                secondMoments.append(Matrix(rows: parameter.rows, columns: parameter.columns))
            }
            let count = parameter.scalars.count
            precondition(firstMoments[index].scalars.count == count, "Adam: parameter \(index) changed shape")
            parameter.scalars.withUnsafeMutableBufferPointer { p in
                gradient.scalars.withUnsafeBufferPointer { g in
                    firstMoments[index].scalars.withUnsafeMutableBufferPointer { m in
                        secondMoments[index].scalars.withUnsafeMutableBufferPointer { v in
                            for i in 0..<count {
                                let grad = g[i] + decay * p[i]
                                m[i] = b1 * m[i] + (1 - b1) * grad
                                v[i] = b2 * v[i] + (1 - b2) * grad * grad
                                p[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}
