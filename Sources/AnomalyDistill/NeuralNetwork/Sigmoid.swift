import RealModule

/// The logistic function `1 / (1 + e^(−x))` (PyTorch's `nn.Sigmoid`).
public struct Sigmoid: Layer {
    public init() {}

    public var specification: LayerSpecification { .activation(.sigmoid) }

    public mutating func forward(_ input: Matrix, into output: inout Matrix, training: Bool) {
        Elementwise.map(input, into: &output) { x in Sigmoid.sigmoid(x) }
    }

    public mutating func backward(input: Matrix, output: Matrix, outputGradient: Matrix, inputGradient: inout Matrix?) {
        Elementwise.backward(
            input: input, output: output, outputGradient: outputGradient,
            inputGradient: &inputGradient
        ) { x, y in y * (1 - y) }
    }
}

extension Sigmoid {
    /// σ(x), computed without overflow for large |x|.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        if x >= 0 {
            return 1 / (1 + Float.exp(-x))
        }
        let e = Float.exp(x)
        return e / (1 + e)
    }
}
