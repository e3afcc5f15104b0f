/// A one-dimensional convolution over a multichannel sequence (PyTorch's `torch.nn.Conv1d` with
/// `padding = (kernel − 1) / 2`), for windows of sensor readings.
///
/// A row holds `channels × steps` values, channel after channel (channel `c`'s steps at
/// `c · steps ..< (c + 1) · steps`, the layout of ``Window/Features/lags`` windows). The output row holds
/// `filters × outputSteps` values the same way, with `outputSteps = (steps + 2p − kernel) / stride + 1`:
/// `y[o, t] = b[o] + Σ_c Σ_j w[o, c, j] · x[c, t · stride − p + j]`, zero outside the sequence.
/// Saved as PyTorch saves it: `weight` `[filters, channels, kernel]`, `bias` `[filters]`.
public struct Conv1D: Layer {
    public let channels: Int, steps: Int, filters: Int, kernel: Int, stride: Int
    /// `filters × (channels · kernel)`: row `o` holds `w[o, c, j]` at `c · kernel + j`.
    public internal(set) var weight: Matrix
    /// `1 × filters`.
    public internal(set) var bias: Matrix
    var weightGradient: Matrix
    var biasGradient: Matrix

    /// The zero padding on each side.
    public var padding: Int { (kernel - 1) / 2 }
    /// The output's steps.
    public var outputSteps: Int { Self.outputSteps(steps: steps, kernel: kernel, stride: stride) }

    static func outputSteps(steps: Int, kernel: Int, stride: Int) -> Int {
        (steps + 2 * ((kernel - 1) / 2) - kernel) / stride + 1
    }

    /// A layer with He-uniform weights (bound `√(6 / (channels · kernel))`) and zero biases, drawn from `random`.
    public init(channels: Int, steps: Int, filters: Int, kernel: Int, stride: Int, random: inout RandomSource) {
        precondition(channels > 0 && steps > 0 && filters > 0 && kernel > 0 && stride > 0,
                     "a convolution needs positive sizes")
        self.channels = channels
        self.steps = steps
        self.filters = filters
        self.kernel = kernel
        self.stride = stride
        let bound = (6 / Float(channels * kernel)).squareRoot()
        weight = Matrix(rows: filters, columns: channels * kernel)
        for i in weight.scalars.indices { weight.scalars[i] = (2 * random.uniformFloat() - 1) * bound }
        bias = Matrix(rows: 1, columns: filters)
        weightGradient = Matrix(rows: filters, columns: channels * kernel)
        biasGradient = Matrix(rows: 1, columns: filters)
    }

    public var specification: LayerSpecification {
        .conv1d(channels: channels, steps: steps, filters: filters, kernel: kernel, stride: stride)
    }

    public func outputWidth(forInputWidth width: Int) -> Int { filters * outputSteps }

    public var parameterCount: Int { weight.scalars.count + filters }

    /// Multiply-adds per row.
    var multiplyAdds: Double { Double(filters * outputSteps * channels * kernel) }

    public mutating func forward(_ input: Matrix, into output: inout Matrix, training: Bool) {
        precondition(input.columns == channels * steps, "conv1d expects \(channels * steps) values, got \(input.columns)")
        let (c, l, f, k, s, p, lo) = (channels, steps, filters, kernel, stride, padding, outputSteps)
        output.resize(rows: input.rows, columns: f * lo)
        input.scalars.withUnsafeBufferPointer { x in
            weight.scalars.withUnsafeBufferPointer { w in
                bias.scalars.withUnsafeBufferPointer { b in
                    output.scalars.withUnsafeMutableBufferPointer { y in
                        for r in 0..<input.rows {
                            let xr = r * c * l, yr = r * f * lo
                            for o in 0..<f {
                                for t in 0..<lo {
                                    var sum = b[o]
                                    let start = t * s - p
                                    for ch in 0..<c {
                                        for j in Self.taps(start: start, kernel: k, steps: l) {
                                            sum += w[o * c * k + ch * k + j] * x[xr + ch * l + start + j]
                                        }
                                    }
                                    y[yr + o * lo + t] = sum
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public mutating func backward(input: Matrix, output: Matrix, outputGradient: Matrix, inputGradient: inout Matrix?) {
        let (c, l, f, k, s, p, lo) = (channels, steps, filters, kernel, stride, padding, outputSteps)
        // ∂L/∂x only when asked (not for the first layer); one pass over the taps gives it with ∂L/∂w.
        let wantsInput = inputGradient != nil
        var dxMatrix = inputGradient.take() ?? Matrix(rows: 0, columns: 0)
        if wantsInput {
            dxMatrix.resize(rows: input.rows, columns: c * l)
            for i in dxMatrix.scalars.indices { dxMatrix.scalars[i] = 0 }
        }
        for i in weightGradient.scalars.indices { weightGradient.scalars[i] = 0 }
        for i in biasGradient.scalars.indices { biasGradient.scalars[i] = 0 }
        input.scalars.withUnsafeBufferPointer { x in
            outputGradient.scalars.withUnsafeBufferPointer { g in
                weight.scalars.withUnsafeBufferPointer { w in
                    weightGradient.scalars.withUnsafeMutableBufferPointer { dw in
                        biasGradient.scalars.withUnsafeMutableBufferPointer { db in
                            dxMatrix.scalars.withUnsafeMutableBufferPointer { dx in
                                for r in 0..<input.rows {
                                    let xr = r * c * l, gr = r * f * lo
                                    for o in 0..<f {
                                        for t in 0..<lo {
                                            let go = g[gr + o * lo + t]
                                            if go == 0 { continue }
                                            db[o] += go
                                            let start = t * s - p
                                            for ch in 0..<c {
                                                for j in Self.taps(start: start, kernel: k, steps: l) {
                                                    let xi = xr + ch * l + start + j, wi = o * c * k + ch * k + j
                                                    dw[wi] += go * x[xi]
                                                    if wantsInput { dx[xi] += go * w[wi] }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if wantsInput { inputGradient = dxMatrix }
    }

    /// The kernel taps `j` whose input step `start + j` lies inside the sequence (the rest read the zero padding).
    @inline(__always)
    static func taps(start: Int, kernel: Int, steps: Int) -> Range<Int> {
        let first = max(0, -start)
        return first..<max(first, min(kernel, steps - start))
    }

    public mutating func updateParameters(_ body: (_ parameter: inout Matrix, _ gradient: Matrix) -> Void) {
        body(&weight, weightGradient)
        body(&bias, biasGradient)
    }

    public func tensors(prefix: String) -> [Tensor] {
        [Tensor(name: prefix + "weight", shape: [filters, channels, kernel], floats: weight.scalars),
         Tensor(name: prefix + "bias", vector: bias.scalars)]
    }

    public mutating func load(_ tensors: [String: Tensor], prefix: String, file: String) throws {
        weight = Matrix(rows: filters, columns: channels * kernel,
                        scalars: try LayerTensors.floats(tensors, prefix + "weight", shape: [filters, channels, kernel], file: file))
        bias = Matrix(rows: 1, columns: filters,
                      scalars: try LayerTensors.floats(tensors, prefix + "bias", shape: [filters], file: file))
    }
}
