/// A trained network reduced to what inference computes: a chain of dense stages, each `y = f(x·W + b)`.
///
/// Folding drops what inference does not need — a batch normalisation becomes part of the preceding dense
/// layer's weights and bias (its running statistics are fixed at inference), an activation becomes the preceding
/// dense layer's `f`, dropout and identity layers disappear — and can multiply a per-input factor (a
/// standardisation's `1 / scale`) into the first stage's weights. ``CompiledNetwork`` lays the stages out for
/// its kernel; the ONNX export writes them as `Gemm` nodes. Both therefore compute the same function.
public struct FoldedNetwork: Sendable, Equatable {
    /// One dense stage: `y = activation(x · weight + bias)`.
    public struct Stage: Sendable, Equatable {
        /// `inputs × outputs`, input-major (row `i` holds the weights from input `i`).
        public var weight: [Float]
        public var bias: [Float]
        public var inputs: Int
        public var outputs: Int
        /// The stage's activation (``Activation/identity`` when none follows the dense layer).
        public var activation: Activation = .identity
    }

    /// The stages, first to last.
    public var stages: [Stage]
    /// Inputs of the first stage.
    public var inputWidth: Int { stages[0].inputs }
    /// Outputs of the last stage.
    public var outputWidth: Int { stages[stages.count - 1].outputs }
    /// The dense arithmetic per row (`2 · Σ in · out`).
    public var flopsPerRow: Double { stages.reduce(0) { $0 + 2 * Double($1.inputs) * Double($1.outputs) } }

    /// Folds `network`, or returns `nil` when it has a layer that does not fold: a batch normalisation or
    /// activation that does not follow a dense layer, two activations in a row, or no dense layer at all.
    ///
    /// - Parameters:
    ///   - network: The trained network.
    ///   - inputScale: Factors multiplied into the first stage's weights, one per input (`nil`: none).
    public init?(_ network: Network, inputScale: [Float]? = nil) {
        var stages: [Stage] = []
        var activated = false
        for layer in network.layers {
            switch layer {
            case let dense as Dense:
                stages.append(Stage(weight: dense.weight.scalars,
                                    bias: dense.bias?.scalars ?? [Float](repeating: 0, count: dense.outputs),
                                    inputs: dense.inputs, outputs: dense.outputs))
                activated = false
            case let norm as BatchNorm:
                guard var last = stages.popLast(), !activated, last.outputs == norm.features else { return nil }
                for o in 0..<last.outputs {
                    let a = norm.scale.scalars[o] / (norm.runningVariance[o] + norm.epsilon).squareRoot()
                    let b = norm.shift.scalars[o] - norm.runningMean[o] * a
                    for i in 0..<last.inputs { last.weight[i * last.outputs + o] *= a }
                    last.bias[o] = last.bias[o] * a + b
                }
                stages.append(last)
            case is Dropout:
                continue
            default:
                guard case let .activation(function) = layer.specification else { return nil }
                if function == .identity { continue }
                guard !stages.isEmpty, !activated else { return nil }
                stages[stages.count - 1].activation = function
                activated = true
            }
        }
        guard let first = stages.first else { return nil }
        if let inputScale {
            guard inputScale.count == first.inputs else { return nil }
            for i in 0..<first.inputs {
                for o in 0..<first.outputs { stages[0].weight[i * first.outputs + o] *= inputScale[i] }
            }
        }
        self.stages = stages
    }
}
