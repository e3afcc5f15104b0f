/// The identity, `y = x` (a linear output layer; PyTorch's `nn.Identity`).
public struct Identity: Layer {
    public init() {}

    public var specification: LayerSpecification { .activation(.identity) }

    public mutating func forward(_ input: Matrix, into output: inout Matrix, training: Bool) {
        Elementwise.map(input, into: &output) { x in x }
    }

    public mutating func backward(input: Matrix, output: Matrix, outputGradient: Matrix, inputGradient: inout Matrix?) {
        Elementwise.backward(
            input: input, output: output, outputGradient: outputGradient,
            inputGradient: &inputGradient
        ) { x, y in 1 }
    }
}
