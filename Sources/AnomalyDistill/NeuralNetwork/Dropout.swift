/// Inverted dropout (Srivastava et al. 2014; PyTorch's `nn.Dropout`).
///
/// In training, each element is zeroed with probability `rate` and the others are scaled by
/// `1 / (1 − rate)`, so inference needs no rescaling; in inference the layer is the identity. The
/// mask is drawn from the layer's own generator, split from the one the network was built with,
/// so training is reproducible from the seed.
public struct Dropout: Layer {
    /// The probability of zeroing an element, in [0, 1).
    public let rate: Float
    /// The generator of the masks.
    var random: RandomSource
    /// The scale of each element in the last training forward pass (0 or `1 / (1 − rate)`).
    var mask: Matrix
    /// When set, training passes reuse the current mask instead of drawing one (gradient checks).
    var freezesMask = false

    /// - Parameters:
    ///   - rate: The probability of zeroing an element, in [0, 1).
    ///   - random: The generator this layer splits its own from.
    public init(rate: Float, random: inout RandomSource) {
        precondition(rate >= 0 && rate < 1, "the dropout rate must be in [0, 1), got \(rate)")
        self.rate = rate
        self.random = random.split()
        mask = Matrix(rows: 0, columns: 0)
    }

    public var specification: LayerSpecification { .dropout(rate: Double(rate)) }

    public mutating func forward(_ input: Matrix, into output: inout Matrix, training: Bool) {
        output.resize(rows: input.rows, columns: input.columns)
        let count = input.scalars.count
        guard training && rate > 0 else {
            output.assign(input)
            return
        }
        if !(freezesMask && mask.rows == input.rows && mask.columns == input.columns) {
            mask.resize(rows: input.rows, columns: input.columns)
            let keep = 1 / (1 - rate), rate = self.rate
            mask.scalars.withUnsafeMutableBufferPointer { m in
                for i in 0..<count { m[i] = random.uniformFloat() < rate ? 0 : keep }
            }
        }
        input.scalars.withUnsafeBufferPointer { x in
            mask.scalars.withUnsafeBufferPointer { m in
                output.scalars.withUnsafeMutableBufferPointer { y in
                    for i in 0..<count { y[i] = x[i] * m[i] }
                }
            }
        }
    }

    public mutating func backward(input: Matrix, output: Matrix, outputGradient: Matrix, inputGradient: inout Matrix?) {
        guard var target = inputGradient.take() else { return }
        if rate > 0 && mask.scalars.count == outputGradient.scalars.count {
            target.resize(rows: outputGradient.rows, columns: outputGradient.columns)
            let count = target.scalars.count
            outputGradient.scalars.withUnsafeBufferPointer { g in
                mask.scalars.withUnsafeBufferPointer { m in
                    target.scalars.withUnsafeMutableBufferPointer { d in
                        for i in 0..<count { d[i] = g[i] * m[i] }
                    }
                }
            }
        } else {
            target.assign(outputGradient)
        }
        inputGradient = target
    }
}
