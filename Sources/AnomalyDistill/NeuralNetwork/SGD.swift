/// Stochastic gradient descent with momentum (Polyak 1964; Nesterov's variant as in Sutskever et
/// al. 2013), as `torch.optim.SGD`.
///
/// Defaults: momentum 0, dampening 0, Nesterov off, weight decay 0; the learning rate has no
/// default, as PyTorch's. One update:
///
///     g ← ∇θ + λθ;  b ← g on the first step, else μb + (1 − dampening)g
///     θ ← θ − lr · (g + μb if Nesterov, else b)
public struct SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public var dampening: Float
    public var nesterov: Bool
    public var weightDecay: Float
    /// Momentum buffers per parameter, created on the first step.
    var buffers: [Matrix] = []

    public init(
        learningRate: Float, momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false,
        weightDecay: Float = 0
    ) {
        precondition(
            !nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum needs momentum > 0 and no dampening")
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public mutating func step(_ network: inout Network) {
        let lr = learningRate, mu = momentum, damp = dampening, decay = weightDecay, nesterov = self.nesterov
        network.updateParameters { index, parameter, gradient in
            let count = parameter.scalars.count
            let first = index == buffers.count
            if first { buffers.append(Matrix(rows: parameter.rows, columns: parameter.columns)) }
            parameter.scalars.withUnsafeMutableBufferPointer { p in
                gradient.scalars.withUnsafeBufferPointer { g in
                    buffers[index].scalars.withUnsafeMutableBufferPointer { b in
                        for i in 0..<count {
                            var grad = g[i] + decay * p[i]
                            if mu != 0 {
                                b[i] = first ? grad : mu * b[i] + (1 - damp) * grad
                                grad = nesterov ? grad + mu * b[i] : b[i]
                            }
                            p[i] -= lr * grad
                        }
                    }
                }
            }
        }
    }
}
