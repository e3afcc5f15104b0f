extension FoldedNetwork {
    /// The outputs of `x` (one row per example) and what ``inputGradient(_:outputGradient:)`` needs.
    public struct Pass: Sendable {
        /// Each stage's input, then the network's output (`stages.count + 1` matrices).
        public var values: [Matrix]
        /// Each stage's pre-activation `x · W + b`.
        var preActivations: [Matrix]
        public var output: Matrix { values[values.count - 1] }
    }

    /// Runs the stages on a batch, keeping what the gradient needs.
    /// - Complexity: O(rows · parameters), through the GEMM.
    public func forward(_ x: Matrix) -> Pass {
        precondition(x.columns == inputWidth, "the network expects \(inputWidth) inputs, got \(x.columns)")
        var values = [x], preActivations: [Matrix] = []
        for stage in stages {
            var z = values[values.count - 1].matmul(Matrix(rows: stage.inputs, columns: stage.outputs, scalars: stage.weight))
            z.scalars.withUnsafeMutableBufferPointer { v in
                for r in 0..<z.rows {
                    for o in 0..<stage.outputs { v[r * stage.outputs + o] += stage.bias[o] }
                }
            }
            var y = z
            if stage.activation != .identity {
                var layer = stage.activation.makeLayer()
                layer.forward(z, into: &y, training: false)
            }
            preActivations.append(z)
            values.append(y)
        }
        return Pass(values: values, preActivations: preActivations)
    }

    /// ∂L/∂input for each row, given ∂L/∂output of the same ``Pass``.
    public func inputGradient(_ pass: Pass, outputGradient: Matrix) -> Matrix {
        var gradient = outputGradient
        for index in stages.indices.reversed() {
            let stage = stages[index]
            if stage.activation != .identity {
                // The activation layer's own backward pass (the function training used).
                var layer = stage.activation.makeLayer()
                var through: Matrix? = Matrix(rows: 0, columns: 0)
                layer.backward(input: pass.preActivations[index], output: pass.values[index + 1],
                               outputGradient: gradient, inputGradient: &through)
                gradient = through ?? gradient
            }
            gradient = gradient.matmul(Matrix(rows: stage.inputs, columns: stage.outputs, scalars: stage.weight),
                                       transposeOther: true)
        }
        return gradient
    }
}
