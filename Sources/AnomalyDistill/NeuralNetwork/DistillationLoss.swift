import RealModule

/// Soft-target cross-entropy with temperature for knowledge distillation (Hinton et al. 2015,
/// "Distilling the Knowledge in a Neural Network"), on one logit per output.
///
/// For a soft target p_T ∈ [0, 1] (the teacher's probability at temperature T) and the student's
/// logit u, the soft loss is `T² · BCE(p_T, σ(u / T))`; the factor T² keeps the gradient's scale
/// independent of T, as the paper prescribes. Its gradient with respect to u is
/// `T · (σ(u / T) − p_T)`. With hard labels y, the loss is `α · soft + (1 − α) · BCE(y, σ(u))`.
/// Both are averaged over the batch and outputs.
///
/// Targets: for a network with k outputs, k columns of soft targets, or 2k columns (soft targets,
/// then 0/1 hard labels) when ``hardLabelWeight`` is used.
public struct DistillationLoss: Loss {
    /// The temperature T > 0.
    public var temperature: Float
    /// α: the weight of the soft loss when hard labels are given (the hard loss gets 1 − α).
    public var softWeight: Float
    /// Whether the targets carry hard labels after the soft targets.
    public var usesHardLabels: Bool

    /// - Parameters:
    ///   - temperature: T > 0; 1 is plain cross-entropy on the soft targets.
    ///   - softWeight: α in [0, 1], used only with hard labels.
    ///   - usesHardLabels: Whether the targets carry hard labels after the soft targets.
    public init(temperature: Float = 1, softWeight: Float = 0.5, usesHardLabels: Bool = false) {
        precondition(temperature > 0, "the temperature must be positive")
        precondition(softWeight >= 0 && softWeight <= 1, "α must be in [0, 1]")
        self.temperature = temperature
        self.softWeight = softWeight
        self.usesHardLabels = usesHardLabels
    }

    public func targetWidth(forOutputWidth outputWidth: Int) -> Int {
        usesHardLabels ? 2 * outputWidth : outputWidth
    }

    public func evaluate(_ output: Matrix, _ target: Matrix, gradient: inout Matrix) -> Float {
        let k = output.columns, n = output.rows
        precondition(
            target.rows == n && target.columns == targetWidth(forOutputWidth: k),
            "distillation loss: expected targets of \(n)×\(targetWidth(forOutputWidth: k)), found \(target.rows)×\(target.columns)"
        )
        gradient.resize(rows: n, columns: k)
        let count = n * k
        guard count > 0 else { return 0 }
        let t = temperature, hard = usesHardLabels
        let alpha: Float = hard ? softWeight : 1
        let scale = 1 / Float(count), width = target.columns
        var sum: Double = 0
        output.scalars.withUnsafeBufferPointer { u in
            target.scalars.withUnsafeBufferPointer { y in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for r in 0..<n {
                        for c in 0..<k {
                            let logit = u[r * k + c], soft = y[r * width + c]
                            let z = logit / t
                            // BCE with logits: max(z, 0) − z·p + log(1 + e^(−|z|)) = softplus(z) − z·p.
                            let softLoss = t * t * (Logistic.softplus(z) - z * soft)
                            var loss = alpha * softLoss
                            var slope = alpha * t * (Logistic.sigmoid(z) - soft)
                            if hard {
                                let label = y[r * width + k + c]
                                loss += (1 - alpha) * (Logistic.softplus(logit) - logit * label)
                                slope += (1 - alpha) * (Logistic.sigmoid(logit) - label)
                            }
                            sum += Double(loss)
                            g[r * k + c] = scale * slope
                        }
                    }
                }
            }
        }
        return Float(sum / Double(count))
    }
}
