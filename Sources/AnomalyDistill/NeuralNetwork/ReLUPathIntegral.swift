/// Exact integrated gradients for a small ReLU network with one output — at most two piecewise-linear hidden
/// stages (ReLU or leaky ReLU) and a linear output stage, the shape of every student — in time close to two
/// forward passes.
///
/// Along the path `b + αΔ` the first stage's pre-activations are affine in α over the whole path, so its units
/// switch at known points `−z₁(b)ⱼ / (W₁ᵀΔ)ⱼ`. Between two such points the second stage's pre-activations are
/// affine too, and its units switch at most once each. On every piece the gradient is `W₁ D₁ W₂ D₂ w₃`; since
/// `W₁` is common to all pieces, only the `h₁`-vector `Σ length · D₁ (W₂ D₂ w₃)` is accumulated, with rank-one
/// updates as units switch, and multiplied by `W₁` once at the end. The result is the exact integral (up to
/// float rounding), so the contributions sum to `F(x) − F(b)`.
public struct ReLUPathIntegral: Sendable {
    let inputs: Int
    /// The stages, when their shape is one this handles.
    let first: FoldedNetwork.Stage
    let second: FoldedNetwork.Stage?
    let output: FoldedNetwork.Stage?
    let firstNegative: Float
    let secondNegative: Float
    /// `z₁(b)`, the first stage's pre-activations at the baseline.
    let baselinePre: [Float]
    let baseline: [Float]
    /// `F(b)`.
    public let reference: Float

    /// Prepares the integral from `baseline`, or returns `nil` for another shape of network.
    public init?(_ network: FoldedNetwork, baseline: [Float]) {
        func negative(_ activation: Activation) -> Float? {
            switch activation {
            case .relu: 0
            case let .leakyReLU(slope): Float(slope)
            default: nil
            }
        }
        let stages = network.stages
        guard network.outputWidth == 1, baseline.count == network.inputWidth,
              let last = stages.last, last.activation == .identity else { return nil }
        switch stages.count {
        case 1:
            first = last
            second = nil
            output = nil
            firstNegative = 1
            secondNegative = 1
        case 2:
            guard let n = negative(stages[0].activation) else { return nil }
            (first, second, output) = (stages[0], nil, last)
            firstNegative = n
            secondNegative = 1
        case 3:
            guard let n1 = negative(stages[0].activation), let n2 = negative(stages[1].activation) else { return nil }
            (first, second, output) = (stages[0], stages[1], last)
            firstNegative = n1
            secondNegative = n2
        default:
            return nil
        }
        inputs = network.inputWidth
        self.baseline = baseline
        var pre = first.bias
        for i in 0..<inputs where baseline[i] != 0 {
            for o in 0..<first.outputs { pre[o] += baseline[i] * first.weight[i * first.outputs + o] }
        }
        baselinePre = pre
        let pass = network.forward(Matrix(rows: 1, columns: inputs, scalars: baseline))
        reference = pass.output.scalars[0]
    }

    /// The contributions of row `x` (``inputs`` values) to the network's output, written to `contributions`.
    public func contributions(_ x: UnsafePointer<Float>, into contributions: UnsafeMutablePointer<Float>) {
        let d = inputs, h1 = first.outputs
        var delta = [Float](repeating: 0, count: d)
        for i in 0..<d { delta[i] = x[i] - baseline[i] }
        guard let output else {
            // Linear: the gradient is the weight vector.
            for i in 0..<d { contributions[i] = delta[i] * first.weight[i] }
            return
        }
        // dz₁ = W₁ᵀ Δ.
        var slope1 = [Float](repeating: 0, count: h1)
        first.weight.withUnsafeBufferPointer { w in
            for i in 0..<d where delta[i] != 0 {
                let v = delta[i], row = i * h1
                for o in 0..<h1 { slope1[o] += v * w[row + o] }
            }
        }
        // First-stage switching points, in order, and the state just after α = 0.
        var events: [(alpha: Float, unit: Int)] = []
        var gate1 = [Float](repeating: 0, count: h1)
        for j in 0..<h1 {
            let a = baselinePre[j], c = slope1[j]
            gate1[j] = (a > 0 || (a == 0 && c > 0)) ? 1 : firstNegative
            if c != 0 {
                let t = -a / c
                if t > 0 && t < 1 { events.append((t, j)) }
            }
        }
        events.sort { $0.alpha < $1.alpha }
        var accumulated = [Float](repeating: 0, count: h1)
        if let second {
            accumulateTwoStages(second: second, output: output, slope1: slope1, gate1: &gate1, events: events,
                                into: &accumulated)
        } else {
            // One hidden stage: u = w₂, constant.
            var alpha: Float = 0
            for event in events + [(alpha: 1, unit: -1)] {
                let length = event.alpha - alpha
                if length > 0 { for j in 0..<h1 { accumulated[j] += length * gate1[j] * output.weight[j] } }
                if event.unit >= 0 { gate1[event.unit] = gate1[event.unit] == 1 ? firstNegative : 1 }
                alpha = event.alpha
            }
        }
        // Contributions: Δ ⊙ (W₁ · accumulated).
        first.weight.withUnsafeBufferPointer { w in
            for i in 0..<d {
                var sum: Float = 0
                let row = i * h1
                for o in 0..<h1 { sum += w[row + o] * accumulated[o] }
                contributions[i] = delta[i] * sum
            }
        }
    }

    private func accumulateTwoStages(second: FoldedNetwork.Stage, output: FoldedNetwork.Stage, slope1: [Float],
                                     gate1: inout [Float], events: [(alpha: Float, unit: Int)],
                                     into accumulated: inout [Float]) {
        let h1 = first.outputs, h2 = second.outputs
        // z₂(α) = value2 + α · slope2 on the current first-stage piece.
        var value2 = second.bias, slope2 = [Float](repeating: 0, count: h2)
        for j in 0..<h1 {
            let g = gate1[j]
            guard g != 0 else { continue }
            let a = baselinePre[j] * g, c = slope1[j] * g
            for k in 0..<h2 {
                let w = second.weight[j * h2 + k]
                value2[k] += a * w
                slope2[k] += c * w
            }
        }
        var gate2 = [Float](repeating: -1, count: h2)  // -1: not yet set
        // u = W₂ (D₂ ⊙ w₃), kept in step with gate2.
        var u = [Float](repeating: 0, count: h1)
        var alpha: Float = 0
        var cuts: [Float] = []
        for event in events + [(alpha: 1, unit: -1)] {
            let end = event.alpha
            // Second-stage switches inside (alpha, end).
            cuts.removeAll(keepingCapacity: true)
            cuts.append(alpha)
            for k in 0..<h2 where slope2[k] != 0 {
                let t = -value2[k] / slope2[k]
                if t > alpha && t < end { cuts.append(t) }
            }
            cuts.sort()
            cuts.append(end)
            for p in 0..<(cuts.count - 1) {
                let low = cuts[p], high = cuts[p + 1], length = high - low
                guard length > 0 else { continue }
                let middle = (low + high) / 2
                for k in 0..<h2 {
                    let g: Float = value2[k] + middle * slope2[k] > 0 ? 1 : secondNegative
                    if g != gate2[k] {
                        let change = gate2[k] < 0 ? g : g - gate2[k]
                        gate2[k] = g
                        if change != 0 {
                            let scaled = change * output.weight[k]
                            for j in 0..<h1 { u[j] += scaled * second.weight[j * h2 + k] }
                        }
                    }
                }
                for j in 0..<h1 { accumulated[j] += length * gate1[j] * u[j] }
            }
            // The first-stage unit switches: update z₂'s affine coefficients.
            if event.unit >= 0 {
                let j = event.unit
                let old = gate1[j], new: Float = old == 1 ? firstNegative : 1
                gate1[j] = new
                let change = new - old, a = baselinePre[j] * change, c = slope1[j] * change
                for k in 0..<h2 {
                    let w = second.weight[j * h2 + k]
                    value2[k] += a * w
                    slope2[k] += c * w
                }
            }
            alpha = end
        }
    }
}
