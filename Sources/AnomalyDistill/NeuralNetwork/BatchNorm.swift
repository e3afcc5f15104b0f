/// Batch normalisation over features (Ioffe & Szegedy 2015), as PyTorch's `nn.BatchNorm1d`.
///
/// In training, each feature is normalised with the mini-batch mean and biased variance, then
/// scaled and shifted by the learned `scale` (γ, PyTorch's `weight`) and `shift` (β, `bias`); the
/// running mean and the running *unbiased* variance are updated with `momentum` (PyTorch's
/// default 0.1: `running = (1 − momentum) · running + momentum · batch`). In inference the
/// running statistics are used. Defaults: momentum 0.1, ε = 1e-5, affine.
public struct BatchNorm: Layer {
    /// γ, `1 × features`, initially ones.
    public internal(set) var scale: Matrix
    /// β, `1 × features`, initially zeros.
    public internal(set) var shift: Matrix
    public internal(set) var scaleGradient: Matrix
    public internal(set) var shiftGradient: Matrix
    /// The running mean of each feature (PyTorch's `running_mean`), initially zeros.
    public internal(set) var runningMean: [Float]
    /// The running unbiased variance of each feature (PyTorch's `running_var`), initially ones.
    public internal(set) var runningVariance: [Float]
    /// The weight of the newest batch in the running statistics.
    public let momentum: Float
    /// Added to the variance before the square root.
    public let epsilon: Float

    /// The normalised input x̂ of the last training pass.
    var normalized: Matrix
    /// 1 / √(σ² + ε) per feature in the last training pass.
    var inverseDeviation: [Float]
    /// Scratch sums for the backward pass (Σ g and Σ g·x̂ per feature).
    var sums: [Double]
    /// Whether the last forward pass was in training mode.
    var lastPassTrained = false

    /// - Parameters:
    ///   - features: Number of features (columns) normalised.
    ///   - momentum: Weight of each new batch in the running statistics (0.1, as PyTorch).
    ///   - epsilon: Added to the variance (1e-5, as PyTorch).
    public init(features: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        precondition(features > 0, "batch norm needs at least one feature")
        scale = Matrix(rows: 1, columns: features, repeating: 1)
        shift = Matrix(rows: 1, columns: features)
        scaleGradient = Matrix(rows: 1, columns: features)
        shiftGradient = Matrix(rows: 1, columns: features)
        runningMean = [Float](repeating: 0, count: features)
        runningVariance = [Float](repeating: 1, count: features)
        self.momentum = momentum
        self.epsilon = epsilon
        normalized = Matrix(rows: 0, columns: features)
        inverseDeviation = [Float](repeating: 0, count: features)
        sums = [Double](repeating: 0, count: 2 * features)
    }

    /// Number of features.
    public var features: Int { scale.columns }

    public var specification: LayerSpecification {
        .batchNorm(features: features, momentum: Double(momentum), epsilon: Double(epsilon))
    }

    public var parameterCount: Int { 2 * features }

    public mutating func forward(_ input: Matrix, into output: inout Matrix, training: Bool) {
        let n = input.rows, f = features
        precondition(input.columns == f, "batch norm expects \(f) features, got \(input.columns)")
        output.resize(rows: n, columns: f)
        lastPassTrained = training
        guard n > 0 else { return }
        if training {
            normalized.resize(rows: n, columns: f)
            let momentum = self.momentum, epsilon = self.epsilon
            input.scalars.withUnsafeBufferPointer { x in
                normalized.scalars.withUnsafeMutableBufferPointer { xhat in
                    sums.withUnsafeMutableBufferPointer { s in
                        inverseDeviation.withUnsafeMutableBufferPointer { inv in
                            runningMean.withUnsafeMutableBufferPointer { rm in
                                runningVariance.withUnsafeMutableBufferPointer { rv in
                                    // Mean, then the sum of squared deviations (two passes, stable).
                                    for j in 0..<f { s[j] = 0; s[f + j] = 0 }
                                    for r in 0..<n {
                                        let row = r * f
                                        for j in 0..<f { s[j] += Double(x[row + j]) }
                                    }
                                    for j in 0..<f { s[j] /= Double(n) }
                                    for r in 0..<n {
                                        let row = r * f
                                        for j in 0..<f {
                                            let d = Double(x[row + j]) - s[j]
                                            s[f + j] += d * d
                                        }
                                    }
                                    for j in 0..<f {
                                        let variance = s[f + j] / Double(n)
                                        inv[j] = Float(1 / (variance + Double(epsilon)).squareRoot())
                                        let unbiased = n > 1 ? s[f + j] / Double(n - 1) : variance
                                        rm[j] = (1 - momentum) * rm[j] + momentum * Float(s[j])
                                        rv[j] = (1 - momentum) * rv[j] + momentum * Float(unbiased)
                                    }
                                    for r in 0..<n {
                                        let row = r * f
                                        for j in 0..<f { xhat[row + j] = (x[row + j] - Float(s[j])) * inv[j] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            normalized.scalars.withUnsafeBufferPointer { xhat in
                scale.scalars.withUnsafeBufferPointer { gamma in
                    shift.scalars.withUnsafeBufferPointer { beta in
                        output.scalars.withUnsafeMutableBufferPointer { y in
                            for r in 0..<n {
                                let row = r * f
                                for j in 0..<f { y[row + j] = xhat[row + j] * gamma[j] + beta[j] }
                            }
                        }
                    }
                }
            }
        } else {
            let epsilon = self.epsilon
            input.scalars.withUnsafeBufferPointer { x in
                scale.scalars.withUnsafeBufferPointer { gamma in
                    shift.scalars.withUnsafeBufferPointer { beta in
                        runningMean.withUnsafeBufferPointer { rm in
                            runningVariance.withUnsafeBufferPointer { rv in
                                output.scalars.withUnsafeMutableBufferPointer { y in
                                    for j in 0..<f {
                                        let a = gamma[j] / (rv[j] + epsilon).squareRoot()
                                        let b = beta[j] - rm[j] * a
                                        for r in 0..<n { y[r * f + j] = x[r * f + j] * a + b }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public mutating func backward(input: Matrix, output: Matrix, outputGradient: Matrix, inputGradient: inout Matrix?) {
        precondition(lastPassTrained, "batch norm's backward pass needs a training forward pass")
        let n = outputGradient.rows, f = features
        guard n > 0 else { return }
        var target = inputGradient.take()
        target?.resize(rows: n, columns: f)
        outputGradient.scalars.withUnsafeBufferPointer { g in
            normalized.scalars.withUnsafeBufferPointer { xhat in
                sums.withUnsafeMutableBufferPointer { s in
                    scaleGradient.scalars.withUnsafeMutableBufferPointer { dGamma in
                        shiftGradient.scalars.withUnsafeMutableBufferPointer { dBeta in
                            for j in 0..<f { s[j] = 0; s[f + j] = 0 }
                            for r in 0..<n {
                                let row = r * f
                                for j in 0..<f {
                                    s[j] += Double(g[row + j])
                                    s[f + j] += Double(g[row + j] * xhat[row + j])
                                }
                            }
                            for j in 0..<f {
                                dBeta[j] = Float(s[j])
                                dGamma[j] = Float(s[f + j])
                            }
                        }
                    }
                    guard target != nil else { return }
                    // ∂L/∂x = γ · inv / n · (n · g − Σg − x̂ · Σ(g · x̂)).
                    scale.scalars.withUnsafeBufferPointer { gamma in
                        inverseDeviation.withUnsafeBufferPointer { inv in
                            target!.scalars.withUnsafeMutableBufferPointer { d in
                                let count = Float(n)
                                for r in 0..<n {
                                    let row = r * f
                                    for j in 0..<f {
                                        let k = gamma[j] * inv[j] / count
                                        d[row + j] =
                                            k * (count * g[row + j] - Float(s[j]) - xhat[row + j] * Float(s[f + j]))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        inputGradient = target
    }

    public mutating func updateParameters(_ body: (_ parameter: inout Matrix, _ gradient: Matrix) -> Void) {
        body(&scale, scaleGradient)
        body(&shift, shiftGradient)
    }

    public func tensors(prefix: String) -> [Tensor] {
        [
            Tensor(name: prefix + "weight", vector: scale.scalars),
            Tensor(name: prefix + "bias", vector: shift.scalars),
            Tensor(name: prefix + "running_mean", vector: runningMean),
            Tensor(name: prefix + "running_var", vector: runningVariance),
        ]
    }

    public mutating func load(_ tensors: [String: Tensor], prefix: String, file: String) throws {
        let f = features
        scale = Matrix(
            rows: 1, columns: f,
            scalars: try LayerTensors.floats(tensors, prefix + "weight", shape: [f], file: file))
        shift = Matrix(
            rows: 1, columns: f,
            scalars: try LayerTensors.floats(tensors, prefix + "bias", shape: [f], file: file))
        runningMean = try LayerTensors.floats(tensors, prefix + "running_mean", shape: [f], file: file)
        runningVariance = try LayerTensors.floats(tensors, prefix + "running_var", shape: [f], file: file)
    }
}
