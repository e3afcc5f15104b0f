/// The rectified linear unit, `max(x, 0)` (Nair & Hinton 2010; PyTorch's `nn.ReLU`).
public struct ReLU: Layer {
    public init() {}

    public var specification: LayerSpecification { .activation(.relu) }

    public mutating func forward(_ input: Matrix, into output: inout Matrix, training: Bool) {
        Elementwise.map(input, into: &output) { x in max(x, 0) }
    }

    public mutating func backward(input: Matrix, output: Matrix, outputGradient: Matrix, inputGradient: inout Matrix?) {
        Elementwise.backward(
            input: input, output: output, outputGradient: outputGradient,
            inputGradient: &inputGradient
        ) { x, y in x > 0 ? 1 : 0 }
    }
}
