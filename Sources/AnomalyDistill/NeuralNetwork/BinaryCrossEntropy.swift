import RealModule

/// Binary cross-entropy on logits (PyTorch's `nn.BCEWithLogitsLoss`), averaged over all elements.
///
/// For logit z and target y ∈ [0, 1] the loss is
/// `w₁ · y · softplus(−z) + w₀ · (1 − y) · softplus(z)`, which is `−[w₁ y log σ(z) + w₀ (1 − y) log(1 − σ(z))]`
/// computed without overflow; with both weights 1 it is `max(z, 0) − z·y + log(1 + e^(−|z|))`.
/// Class weights counter imbalance (anomalies are rare): `positiveWeight` alone is PyTorch's
/// `pos_weight`.
public struct BinaryCrossEntropy: Loss {
    /// The weight of the positive (anomaly, y = 1) term.
    public var positiveWeight: Float
    /// The weight of the negative (normal, y = 0) term.
    public var negativeWeight: Float

    /// - Parameters:
    ///   - positiveWeight: Weight of the y = 1 term (1: unweighted).
    ///   - negativeWeight: Weight of the y = 0 term (1: unweighted).
    public init(positiveWeight: Float = 1, negativeWeight: Float = 1) {
        self.positiveWeight = positiveWeight
        self.negativeWeight = negativeWeight
    }

    /// Class weights `n / (2 · n_class)` for 0/1 `labels` (scikit-learn's `class_weight="balanced"`).
    public static func balanced(labels: [Int]) -> BinaryCrossEntropy {
        let positives = labels.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
        let negatives = labels.count - positives
        guard positives > 0 && negatives > 0 else { return BinaryCrossEntropy() }
        let n = Float(labels.count)
        return BinaryCrossEntropy(
            positiveWeight: n / (2 * Float(positives)), negativeWeight: n / (2 * Float(negatives)))
    }

    public func evaluate(_ output: Matrix, _ target: Matrix, gradient: inout Matrix) -> Float {
        precondition(
            output.rows == target.rows && output.columns == target.columns,
            "BCE: output \(output.rows)×\(output.columns) and target \(target.rows)×\(target.columns) differ")
        gradient.resize(rows: output.rows, columns: output.columns)
        let count = output.scalars.count
        guard count > 0 else { return 0 }
        let w1 = positiveWeight, w0 = negativeWeight, scale = 1 / Float(count)
        var sum: Double = 0
        output.scalars.withUnsafeBufferPointer { z in
            target.scalars.withUnsafeBufferPointer { y in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for i in 0..<count {
                        let a = w1 * y[i], b = w0 * (1 - y[i])
                        sum += Double(a * Logistic.softplus(-z[i]) + b * Logistic.softplus(z[i]))
                        let p = Logistic.sigmoid(z[i])
                        // d/dz: b · σ(z) − a · (1 − σ(z)).
                        g[i] = scale * (b * p - a * (1 - p))
                    }
                }
            }
        }
        return Float(sum / Double(count))
    }
}
