import RealModule

/// The hyperbolic tangent (PyTorch's `nn.Tanh`).
public struct Tanh: Layer {
    public init() {}

    public var specification: LayerSpecification { .activation(.tanh) }

    public mutating func forward(_ input: Matrix, into output: inout Matrix, training: Bool) {
        Elementwise.map(input, into: &output) { x in Float.tanh(x) }
    }

    public mutating func backward(input: Matrix, output: Matrix, outputGradient: Matrix, inputGradient: inout Matrix?) {
        Elementwise.backward(
            input: input, output: output, outputGradient: outputGradient,
            inputGradient: &inputGradient
        ) { x, y in 1 - y * y }
    }
}
