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
    /// The second stage's weights output-major (`h₂ × h₁`: row `k` holds the weights into unit `k`), so that a
    /// unit's column is contiguous.
    let secondByOutput: [Float]
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
        if let second {
            var transposed = [Float](repeating: 0, count: second.inputs * second.outputs)
            for j in 0..<second.inputs {
                for k in 0..<second.outputs { transposed[k * second.inputs + j] = second.weight[j * second.outputs + k] }
            }
            secondByOutput = transposed
        } else {
            secondByOutput = []
        }
        let pass = network.forward(Matrix(rows: 1, columns: inputs, scalars: baseline))
        reference = pass.output.scalars[0]
    }

    /// Buffers one caller reuses from row to row (``contributions(_:into:workspace:)`` allocates nothing else).
    public struct Workspace {
        var delta: [Float], slope1: [Float], gate1: [Float], accumulated: [Float]
        var value2: [Float], slope2: [Float], gate2: [Float], u: [Float]
        var events: [(alpha: Float, unit: Int)] = []
        var cuts: [Float] = []

        public init(for integral: ReLUPathIntegral) {
            let h1 = integral.first.outputs, h2 = integral.second?.outputs ?? 0
            delta = [Float](repeating: 0, count: integral.inputs)
            slope1 = [Float](repeating: 0, count: h1)
            gate1 = slope1
            accumulated = slope1
            u = slope1
            value2 = [Float](repeating: 0, count: h2)
            slope2 = value2
            gate2 = value2
            events.reserveCapacity(h1)
            cuts.reserveCapacity(h2 + 2)
        }
    }

    /// The contributions of row `x` (``inputs`` values) to the network's output, written to `contributions`.
    public func contributions(_ x: UnsafePointer<Float>, into contributions: UnsafeMutablePointer<Float>) {
        var workspace = Workspace(for: self)
        self.contributions(x, into: contributions, workspace: &workspace)
    }

    /// ``contributions(_:into:)`` with buffers reused from call to call.
    public func contributions(_ x: UnsafePointer<Float>, into contributions: UnsafeMutablePointer<Float>,
                              workspace ws: inout Workspace) {
        let d = inputs, h1 = first.outputs
        for i in 0..<d { ws.delta[i] = x[i] - baseline[i] }
        guard let output else {
            // Linear: the gradient is the weight vector.
            for i in 0..<d { contributions[i] = ws.delta[i] * first.weight[i] }
            return
        }
        // dz₁ = W₁ᵀ Δ.
        first.weight.withUnsafeBufferPointer { w in
            ws.delta.withUnsafeBufferPointer { delta in
                ws.slope1.withUnsafeMutableBufferPointer { slope in
                    for o in 0..<h1 { slope[o] = 0 }
                    for i in 0..<d where delta[i] != 0 {
                        Vector.axpy(h1, delta[i], w.baseAddress! + i * h1, slope.baseAddress!)
                    }
                }
            }
        }
        // First-stage switching points, in order, and the state just after α = 0.
        ws.events.removeAll(keepingCapacity: true)
        for j in 0..<h1 {
            let a = baselinePre[j], c = ws.slope1[j]
            ws.gate1[j] = (a > 0 || (a == 0 && c > 0)) ? 1 : firstNegative
            ws.accumulated[j] = 0
            if c != 0 {
                let t = -a / c
                if t > 0 && t < 1 { ws.events.append((t, j)) }
            }
        }
        // Insertion sort: a few dozen points, and no buffer to allocate (the library sort allocates one).
        ws.events.withUnsafeMutableBufferPointer { events in
            for i in events.indices.dropFirst() {
                let item = events[i]
                var j = i
                while j > 0 && events[j - 1].alpha > item.alpha {
                    events[j] = events[j - 1]
                    j -= 1
                }
                events[j] = item
            }
        }
        ws.events.append((1, -1))
        if let second {
            accumulateTwoStages(second: second, output: output, workspace: &ws)
        } else {
            // One hidden stage: u = w₂, constant.
            var alpha: Float = 0
            for event in ws.events {
                let length = event.alpha - alpha
                if length > 0 { for j in 0..<h1 { ws.accumulated[j] += length * ws.gate1[j] * output.weight[j] } }
                if event.unit >= 0 { ws.gate1[event.unit] = ws.gate1[event.unit] == 1 ? firstNegative : 1 }
                alpha = event.alpha
            }
        }
        // Contributions: Δ ⊙ (W₁ · accumulated).
        first.weight.withUnsafeBufferPointer { w in
            ws.accumulated.withUnsafeBufferPointer { accumulated in
                for i in 0..<d {
                    contributions[i] = ws.delta[i] * Vector.dot(h1, w.baseAddress! + i * h1, accumulated.baseAddress!)
                }
            }
        }
    }

    private func accumulateTwoStages(second: FoldedNetwork.Stage, output: FoldedNetwork.Stage, workspace ws: inout Workspace) {
        let h1 = first.outputs, h2 = second.outputs
        secondByOutput.withUnsafeBufferPointer { w2 in
            output.weight.withUnsafeBufferPointer { w3 in
                ws.value2.withUnsafeMutableBufferPointer { value2 in
                    ws.slope2.withUnsafeMutableBufferPointer { slope2 in
                        ws.gate2.withUnsafeMutableBufferPointer { gate2 in
                            ws.u.withUnsafeMutableBufferPointer { u in
                                ws.gate1.withUnsafeMutableBufferPointer { gate1 in
                                    ws.accumulated.withUnsafeMutableBufferPointer { accumulated in
                                        ws.slope1.withUnsafeBufferPointer { slope1 in
                                            walk(w2: w2, w3: w3, h1: h1, h2: h2, value2: value2, slope2: slope2,
                                                 gate2: gate2, u: u, gate1: gate1, accumulated: accumulated,
                                                 slope1: slope1, events: ws.events, cuts: &ws.cuts, bias2: second.bias)
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

    @inline(__always)
    private func walk(w2: UnsafeBufferPointer<Float>, w3: UnsafeBufferPointer<Float>, h1: Int, h2: Int,
                      value2: UnsafeMutableBufferPointer<Float>, slope2: UnsafeMutableBufferPointer<Float>,
                      gate2: UnsafeMutableBufferPointer<Float>, u: UnsafeMutableBufferPointer<Float>,
                      gate1: UnsafeMutableBufferPointer<Float>, accumulated: UnsafeMutableBufferPointer<Float>,
                      slope1: UnsafeBufferPointer<Float>, events: [(alpha: Float, unit: Int)], cuts: inout [Float],
                      bias2: [Float]) {
        // z₂(α) = value2 + α · slope2 on the current first-stage piece.
        for k in 0..<h2 {
            value2[k] = bias2[k]
            slope2[k] = 0
            gate2[k] = -1  // not yet set
        }
        // z₂ = W₂ᵀ (D₁ z₁): each unit k's dot product with its contiguous weight row.
        for j in 0..<h1 { u[j] = 0 }
        baselinePre.withUnsafeBufferPointer { pre in
            for k in 0..<h2 {
                let row = w2.baseAddress! + k * h1
                var a: Float = 0, c: Float = 0
                for j in 0..<h1 where gate1[j] != 0 {
                    a += gate1[j] * pre[j] * row[j]
                    c += gate1[j] * slope1[j] * row[j]
                }
                value2[k] += a
                slope2[k] += c
            }
        }
        var alpha: Float = 0
        for event in events {
            let end = event.alpha
            // Second-stage switches inside (alpha, end).
            cuts.removeAll(keepingCapacity: true)
            cuts.append(alpha)
            for k in 0..<h2 {
                // A root inside only when the pre-activation changes sign on the piece (no division otherwise).
                let atStart = value2[k] + alpha * slope2[k], atEnd = value2[k] + end * slope2[k]
                if (atStart > 0) != (atEnd > 0) {
                    let t = -value2[k] / slope2[k]
                    if t > alpha && t < end { cuts.append(t) }
                }
            }
            if cuts.count > 2 {
                for i in 2..<cuts.count {
                    let item = cuts[i]
                    var j = i
                    while j > 1 && cuts[j - 1] > item {
                        cuts[j] = cuts[j - 1]
                        j -= 1
                    }
                    cuts[j] = item
                }
            }
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
                        if change != 0 { Vector.axpy(h1, change * w3[k], w2.baseAddress! + k * h1, u.baseAddress!) }
                    }
                }
                Vector.accumulate(h1, length, gate1.baseAddress!, u.baseAddress!, accumulated.baseAddress!)
            }
            // The first-stage unit switches: update z₂'s affine coefficients.
            if event.unit >= 0 {
                let j = event.unit
                let old = gate1[j], new: Float = old == 1 ? firstNegative : 1
                gate1[j] = new
                let change = new - old, a = baselinePre[j] * change, c = slope1[j] * change
                for k in 0..<h2 {
                    let weight = w2[k * h1 + j]
                    value2[k] += a * weight
                    slope2[k] += c * weight
                }
            }
            alpha = end
        }
    }
}

/// Small vector kernels in eight lanes (the compiler does not vectorise float reductions by itself).
enum Vector {
    /// `y += a · x` over `n` values.
    @inline(__always)
    static func axpy(_ n: Int, _ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        var i = 0
        let scale = SIMD8<Float>(repeating: a)
        while i + 8 <= n {
            let sum = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
                + scale * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: sum, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            y[i] += a * x[i]
            i += 1
        }
    }

    /// `Σ x · y` over `n` values, eight partial sums.
    @inline(__always)
    static func dot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        var i = 0
        var sums = SIMD8<Float>()
        while i + 8 <= n {
            sums += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = sums.sum()
        while i < n {
            total += x[i] * y[i]
            i += 1
        }
        return total
    }

    /// `z += a · (x ⊙ y)` over `n` values.
    @inline(__always)
    static func accumulate(_ n: Int, _ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>,
                           _ z: UnsafeMutablePointer<Float>) {
        var i = 0
        let scale = SIMD8<Float>(repeating: a)
        while i + 8 <= n {
            let sum = UnsafeRawPointer(z + i).loadUnaligned(as: SIMD8<Float>.self)
                + scale * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(z + i).storeBytes(of: sum, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            z[i] += a * x[i] * y[i]
            i += 1
        }
    }
}
