import Foundation

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
                y.scalars.withUnsafeMutableBufferPointer { v in
                    for i in v.indices { v[i] = Self.activate(v[i], stage.activation) }
                }
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
                let z = pass.preActivations[index], y = pass.values[index + 1]
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for i in g.indices { g[i] *= Self.derivative(z.scalars[i], y.scalars[i], stage.activation) }
                }
            }
            gradient = gradient.matmul(Matrix(rows: stage.inputs, columns: stage.outputs, scalars: stage.weight),
                                       transposeOther: true)
        }
        return gradient
    }

    @inline(__always)
    static func activate(_ v: Float, _ activation: Activation) -> Float {
        switch activation {
        case .identity: v
        case .relu: v > 0 ? v : 0
        case let .leakyReLU(slope): v > 0 ? v : v * Float(slope)
        case .tanh: Foundation.tanh(v)
        case .sigmoid: 1 / (1 + Foundation.exp(-v))
        }
    }

    /// f′ at pre-activation `z` with output `y`.
    @inline(__always)
    static func derivative(_ z: Float, _ y: Float, _ activation: Activation) -> Float {
        switch activation {
        case .identity: 1
        case .relu: z > 0 ? 1 : 0
        case let .leakyReLU(slope): z > 0 ? 1 : Float(slope)
        case .tanh: 1 - y * y
        case .sigmoid: y * (1 - y)
        }
    }
}
