import _AnomalyDistillKernels

/// Exact integrated gradients for a small ReLU network with one output — at most two piecewise-linear hidden
/// stages (ReLU or leaky ReLU) and a linear output stage, the shape of every student — in time close to two
/// forward passes.
///
/// Along the path `b + αΔ` the first stage's pre-activations are affine in α over the whole path, so its units
/// switch at known points `−z₁(b)ⱼ / (W₁ᵀΔ)ⱼ`. Between two such points the second stage's pre-activations are
/// affine too, and its units switch at most once each. On every piece the gradient is `W₁ D₁ W₂ D₂ w₃`; since
/// `W₁` is common to all pieces, only the `h₁`-vector `Σ length · D₁ (W₂ D₂ w₃)` is accumulated, with rank-one
/// updates as units switch, and multiplied by `W₁` once at the end. The result is the exact integral (up to
/// float rounding), so the contributions sum to `F(x) − F(b)`. The walk runs in C (`ad_relu_path_contributions`).
public struct ReLUPathIntegral: Sendable {
    let inputs: Int
    /// The linear case (no hidden stage): the gradient is the weight vector.
    private let linearWeights: [Float]?
    private let storage: Storage?
    let baseline: [Float]
    /// `F(b)`.
    public let reference: Float

    /// The kernel's description of the network and the memory it points into (written once, in `init`).
    private final class Storage: @unchecked Sendable {
        // @unchecked: `values` is written only in `init` and freed in `deinit`; `path` points into it.
        let values: UnsafeMutablePointer<Float>
        let path: ad_relu_path

        /// The stages with each hidden width padded to a multiple of 8 by units that never switch (zero weights,
        /// pre-activation and slope) and carry nothing to the output, so the kernel runs in whole 8-lane vectors.
        init(first: FoldedNetwork.Stage, second: FoldedNetwork.Stage?, output: FoldedNetwork.Stage, baseline: [Float],
             baselinePre: [Float], negative1: Float, negative2: Float) {
            func padded(_ n: Int) -> Int { (n + 7) / 8 * 8 }
            let d = first.inputs, h1 = first.outputs, h2 = second?.outputs ?? 0
            let p1 = padded(h1), p2 = padded(h2)
            var w1 = [Float](repeating: 0, count: d * p1), pre = [Float](repeating: 0, count: p1)
            for i in 0..<d { for j in 0..<h1 { w1[i * p1 + j] = first.weight[i * h1 + j] } }
            for j in 0..<h1 { pre[j] = baselinePre[j] }
            var w2 = [Float](repeating: 0, count: p1 * p2), byOutput = [Float](repeating: 0, count: p1 * p2)
            var bias2 = [Float](repeating: 0, count: p2)
            var out = [Float](repeating: 0, count: second == nil ? p1 : p2)
            if let second {
                for j in 0..<h1 {
                    for k in 0..<h2 {
                        w2[j * p2 + k] = second.weight[j * h2 + k]
                        byOutput[k * p1 + j] = second.weight[j * h2 + k]
                    }
                }
                for k in 0..<h2 { bias2[k] = second.bias[k] }
            }
            for k in 0..<output.inputs { out[k] = output.weight[k] }
            let parts = [w1, w2, byOutput, bias2, out, baseline, pre]
            values = .allocate(capacity: max(1, parts.reduce(0) { $0 + $1.count }))
            var offsets: [Int] = [], next = 0
            for part in parts {
                offsets.append(next)
                (values + next).initialize(from: part, count: part.count)
                next += part.count
            }
            let base = UnsafePointer(values)
            path = ad_relu_path(inputs: d, h1: p1, h2: p2, w1: base + offsets[0], w2: base + offsets[1],
                                w2_by_output: base + offsets[2], bias2: base + offsets[3], w_out: base + offsets[4],
                                baseline: base + offsets[5], baseline_pre: base + offsets[6],
                                negative1: negative1, negative2: negative2)
        }

        deinit { values.deallocate() }
    }

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
        let first = stages[0]
        var pre = first.bias
        for i in 0..<network.inputWidth where baseline[i] != 0 {
            for o in 0..<first.outputs { pre[o] += baseline[i] * first.weight[i * first.outputs + o] }
        }
        switch stages.count {
        case 1:
            linearWeights = first.weight
            storage = nil
        case 2:
            guard let n = negative(stages[0].activation) else { return nil }
            linearWeights = nil
            storage = Storage(first: first, second: nil, output: last, baseline: baseline, baselinePre: pre,
                              negative1: n, negative2: 1)
        case 3:
            guard let n1 = negative(stages[0].activation), let n2 = negative(stages[1].activation) else { return nil }
            linearWeights = nil
            storage = Storage(first: first, second: stages[1], output: last, baseline: baseline, baselinePre: pre,
                              negative1: n1, negative2: n2)
        default:
            return nil
        }
        inputs = network.inputWidth
        self.baseline = baseline
        let pass = network.forward(Matrix(rows: 1, columns: inputs, scalars: baseline))
        reference = pass.output.scalars[0]
    }

    /// Buffers one caller reuses from row to row (``contributions(_:into:workspace:)`` allocates nothing else).
    public struct Workspace {
        var floats: [Float]
        var longs: [Int]

        public init(for integral: ReLUPathIntegral) {
            guard let storage = integral.storage else {
                floats = []
                longs = []
                return
            }
            floats = [Float](repeating: 0, count: withUnsafePointer(to: storage.path) { Int(ad_relu_path_workspace_floats($0)) })
            longs = [Int](repeating: 0, count: withUnsafePointer(to: storage.path) { Int(ad_relu_path_workspace_longs($0)) })
        }
    }

    /// The contributions of row `x` (``inputs`` values) to the network's output, written to `contributions`.
    public func contributions(_ x: UnsafePointer<Float>, into contributions: UnsafeMutablePointer<Float>) {
        var workspace = Workspace(for: self)
        self.contributions(x, into: contributions, workspace: &workspace)
    }

    /// ``contributions(_:into:)`` with buffers reused from call to call; `portable` takes the kernel's path without
    /// vector instructions (for tests: what machines without AVX2 run).
    public func contributions(_ x: UnsafePointer<Float>, into contributions: UnsafeMutablePointer<Float>,
                              workspace ws: inout Workspace, portable: Bool = false) {
        guard let storage else {
            // Linear: the gradient is the weight vector.
            for i in 0..<inputs { contributions[i] = (x[i] - baseline[i]) * (linearWeights?[i] ?? 0) }
            return
        }
        ws.floats.withUnsafeMutableBufferPointer { floats in
            ws.longs.withUnsafeMutableBufferPointer { longs in
                withUnsafePointer(to: storage.path) { path in
                    if portable {
                        ad_relu_path_contributions_portable(path, x, contributions, floats.baseAddress, longs.baseAddress)
                    } else {
                        ad_relu_path_contributions(path, x, contributions, floats.baseAddress, longs.baseAddress)
                    }
                }
            }
        }
    }
}
