/// The leaky rectified linear unit, `x` for `x > 0` and `slope · x` otherwise (Maas et al. 2013;
/// PyTorch's `nn.LeakyReLU`, whose default slope is 0.01).
public struct LeakyReLU: Layer {
    /// The slope for negative inputs.
    public var slope: Float

    public init(slope: Float = 0.01) {
        self.slope = slope
    }

    public var specification: LayerSpecification { .activation(.leakyReLU(slope: Double(slope))) }

    public mutating func forward(_ input: Matrix, into output: inout Matrix, training: Bool) {
        let slope = self.slope
        Elementwise.map(input, into: &output) { x in x > 0 ? x : slope * x }
    }

    public mutating func backward(input: Matrix, output: Matrix, outputGradient: Matrix, inputGradient: inout Matrix?) {
        let slope = self.slope
        Elementwise.backward(
            input: input, output: output, outputGradient: outputGradient,
            inputGradient: &inputGradient
        ) { x, _ in x > 0 ? 1 : slope }
    }
}
