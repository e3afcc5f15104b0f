import Foundation

/// A score computed from a batch of rows by networks, with its gradient with respect to each row.
public protocol DifferentiableScore: Sendable {
    /// Number of input values a row has.
    var inputWidth: Int { get }
    /// The score of each row of `x` and ∂score/∂x (the shape of `x`).
    func evaluate(_ x: Matrix) -> (scores: [Float], gradients: Matrix)
    /// The points `α` in (0, 1), ascending, where the gradient along `start + α · direction` jumps (a ReLU unit
    /// switching); between two of them the gradient is smooth. `nil` when the networks have smooth activations
    /// (tanh, sigmoid), whose path is then integrated on a uniform grid.
    func kinks(start: [Double], direction: [Double]) -> [Double]?
    /// Gauss–Legendre nodes per smooth piece: 1 when the gradient is affine there (the midpoint is exact), more
    /// when it is a smooth non-polynomial function.
    var nodesPerPiece: Int { get }
}

/// Integrated gradients (Sundararajan et al. 2017): feature `j`'s contribution to `F(x)` from a baseline `b` is
/// `(x_j − b_j) · ∫₀¹ ∂F/∂x_j (b + α(x − b)) dα`, so the contributions sum to `F(x) − F(b)` (completeness).
///
/// The integral is computed piece by piece: the path is cut where a ReLU unit of the network switches (found
/// exactly by walking the network's affine pieces), so the gradient is smooth on each piece, and each piece is
/// integrated by Gauss–Legendre quadrature — exact for the piecewise-constant gradient of a ReLU network's
/// output. A row whose contributions still miss `F(x) − F(b)` by more than ``tolerance`` has its pieces halved
/// (up to five times).
public enum IntegratedGradients {
    /// Largest accepted `|Σ_j c_j − (F(x) − F(b))|`.
    public static let tolerance: Float = 1e-3

    /// The contributions of each row of `x` to `score` from `baseline`.
    ///
    /// - Precondition: `x.columns == baseline.count == score.inputWidth`.
    public static func attributions(_ x: Matrix, baseline: [Float], score: some DifferentiableScore) -> FeatureAttributions {
        precondition(x.columns == baseline.count && baseline.count == score.inputWidth,
                     "integrated gradients: \(x.columns) inputs, a baseline of \(baseline.count), a score of \(score.inputWidth)")
        let d = x.columns
        let reference = score.evaluate(Matrix(rows: 1, columns: d, scalars: baseline)).scores[0]
        var contributions = Matrix(rows: x.rows, columns: d)
        let finals = score.evaluate(x).scores
        let start = baseline.map(Double.init)
        for r in 0..<x.rows {
            let direction = (0..<d).map { Double(x[r, $0]) - start[$0] }
            let cuts = score.kinks(start: start, direction: direction)
            var pieces = [0.0] + (cuts ?? (1..<8).map { Double($0) / 8 }) + [1.0]
            var best: (error: Float, values: [Float]) = (.infinity, [])
            for _ in 0..<6 {
                let values = integrate(score, start: baseline, direction: direction, pieces: pieces)
                let error = abs(values.reduce(0, +) - (finals[r] - reference))
                if error < best.error { best = (error, values) }
                if error <= tolerance { break }
                pieces = halved(pieces)
            }
            for j in 0..<d { contributions[r, j] = best.values[j] }
        }
        return FeatureAttributions(contributions: contributions, scores: finals,
                                   references: [Float](repeating: reference, count: x.rows))
    }

    /// `(x − b) ⊙ ∫ ∇F` over the path, with Gauss–Legendre nodes on each piece.
    static func integrate(_ score: some DifferentiableScore, start: [Float], direction: [Double], pieces: [Double]) -> [Float] {
        let d = start.count
        let (nodes, weights) = gaussLegendre(score.nodesPerPiece)
        var points = Matrix(rows: (pieces.count - 1) * nodes.count, columns: d)
        var pointWeights: [Double] = []
        var row = 0
        for (low, high) in zip(pieces, pieces.dropFirst()) {
            let half = (high - low) / 2, middle = (high + low) / 2
            for (node, weight) in zip(nodes, weights) {
                let alpha = middle + half * node
                for j in 0..<d { points[row, j] = Float(Double(start[j]) + alpha * direction[j]) }
                pointWeights.append(half * weight)
                row += 1
            }
        }
        let gradients = score.evaluate(points).gradients
        var integral = [Double](repeating: 0, count: d)
        for (p, weight) in pointWeights.enumerated() {
            for j in 0..<d { integral[j] += weight * Double(gradients[p, j]) }
        }
        return (0..<d).map { Float(direction[$0] * integral[$0]) }
    }

    /// Each piece split in two.
    static func halved(_ pieces: [Double]) -> [Double] {
        var result = [pieces[0]]
        for (low, high) in zip(pieces, pieces.dropFirst()) { result += [(low + high) / 2, high] }
        return result
    }

    /// Gauss–Legendre nodes and weights on [−1, 1].
    static func gaussLegendre(_ count: Int) -> (nodes: [Double], weights: [Double]) {
        switch count {
        case 1: ([0], [2])
        case 2: ([-0.5773502691896257, 0.5773502691896257], [1, 1])
        default: ([-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526],
                  [0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538])
        }
    }
}

extension FoldedNetwork {
    /// Where ReLU and leaky-ReLU units switch along `start + α · direction`, α in (0, 1), ascending; `nil` when a
    /// stage has a smooth activation. Walks the network's affine pieces in double precision: on each piece the
    /// pre-activations are affine in α, so the next switch is the smallest root ahead.
    public func kinks(start: [Double], direction: [Double]) -> [Double]? {
        guard stages.allSatisfy({ stage in
            switch stage.activation {
            case .identity, .relu, .leakyReLU: true
            case .tanh, .sigmoid: false
            }
        }) else { return nil }
        var result: [Double] = []
        var alpha = 0.0
        let step = 1e-9
        while alpha < 1 && result.count < 100_000 {
            var value = start, slope = direction
            var next = 1.0
            for stage in stages {
                var z = stage.bias.map(Double.init), dz = [Double](repeating: 0, count: stage.outputs)
                for i in 0..<stage.inputs where value[i] != 0 || slope[i] != 0 {
                    let a = value[i], c = slope[i]
                    for o in 0..<stage.outputs {
                        let w = Double(stage.weight[i * stage.outputs + o])
                        z[o] += a * w
                        dz[o] += c * w
                    }
                }
                let negative: Double
                switch stage.activation {
                case .relu: negative = 0
                case let .leakyReLU(s): negative = Double(Float(s))
                default:
                    value = z
                    slope = dz
                    continue
                }
                for o in 0..<stage.outputs {
                    if dz[o] != 0 {
                        let root = -z[o] / dz[o]
                        if root > alpha + step && root < next { next = root }
                    }
                    let on = z[o] + (alpha + step) * dz[o] > 0
                    let factor = on ? 1 : negative
                    z[o] *= factor
                    dz[o] *= factor
                }
                value = z
                slope = dz
            }
            if next < 1 { result.append(next) }
            alpha = next
        }
        return result
    }
}

/// The network's one output.
public struct NetworkOutputScore: DifferentiableScore {
    public let network: FoldedNetwork
    public var inputWidth: Int { network.inputWidth }

    public init(_ network: FoldedNetwork) {
        precondition(network.outputWidth == 1, "a score network has one output")
        self.network = network
    }

    public func evaluate(_ x: Matrix) -> (scores: [Float], gradients: Matrix) {
        let pass = network.forward(x)
        return (pass.output.scalars, network.inputGradient(pass, outputGradient: Matrix(rows: x.rows, columns: 1, repeating: 1)))
    }

    public func kinks(start: [Double], direction: [Double]) -> [Double]? { network.kinks(start: start, direction: direction) }
    /// A piecewise-linear network's gradient is constant on each piece.
    public var nodesPerPiece: Int { 1 }
}

/// An autoencoder's score: `u = (x − mean) / scale`, then the mean over the networks of `‖u − net(u)‖₂`.
public struct ReconstructionScore: DifferentiableScore {
    public let networks: [FoldedNetwork]
    public let mean: [Float]
    public let scale: [Float]
    public var inputWidth: Int { mean.count }

    public init(networks: [FoldedNetwork], mean: [Float], scale: [Float]) {
        self.networks = networks
        self.mean = mean
        self.scale = scale
    }

    public func evaluate(_ x: Matrix) -> (scores: [Float], gradients: Matrix) {
        let d = x.columns
        var u = x
        u.scalars.withUnsafeMutableBufferPointer { v in
            for r in 0..<x.rows { for j in 0..<d { v[r * d + j] = (v[r * d + j] - mean[j]) / scale[j] } }
        }
        var scores = [Float](repeating: 0, count: x.rows)
        var gradients = Matrix(rows: x.rows, columns: d)
        let count = Float(networks.count)
        for network in networks {
            let pass = network.forward(u)
            // e = u − r; ∂‖e‖/∂u = e/‖e‖ − J_rᵀ (e/‖e‖).
            var unit = Matrix(rows: x.rows, columns: d)
            for r in 0..<x.rows {
                var sum: Float = 0
                for j in 0..<d {
                    let e = u.scalars[r * d + j] - pass.output.scalars[r * d + j]
                    sum += e * e
                }
                let norm = sum.squareRoot()
                scores[r] += norm / count
                guard norm > 0 else { continue }
                for j in 0..<d { unit.scalars[r * d + j] = (u.scalars[r * d + j] - pass.output.scalars[r * d + j]) / norm }
            }
            let through = network.inputGradient(pass, outputGradient: unit)
            for i in gradients.scalars.indices { gradients.scalars[i] += (unit.scalars[i] - through.scalars[i]) / count }
        }
        for r in 0..<x.rows { for j in 0..<d { gradients.scalars[r * d + j] /= scale[j] } }
        return (scores, gradients)
    }

    public func kinks(start: [Double], direction: [Double]) -> [Double]? {
        let u = (0..<mean.count).map { (start[$0] - Double(mean[$0])) / Double(scale[$0]) }
        let du = (0..<mean.count).map { direction[$0] / Double(scale[$0]) }
        var all: [Double] = []
        for network in networks {
            guard let cuts = network.kinks(start: u, direction: du) else { return nil }
            all += cuts
        }
        return all.sorted()
    }

    /// The distance's gradient is smooth but not polynomial on a piece: two Gauss nodes (exact to degree 3), and
    /// pieces are halved where the sum misses.
    public var nodesPerPiece: Int { 2 }
}

/// Deep SVDD's score: `‖net(x) − centre‖²`.
public struct CentreDistanceScore: DifferentiableScore {
    public let network: FoldedNetwork
    public let centre: [Float]
    public var inputWidth: Int { network.inputWidth }

    public init(network: FoldedNetwork, centre: [Float]) {
        self.network = network
        self.centre = centre
    }

    public func evaluate(_ x: Matrix) -> (scores: [Float], gradients: Matrix) {
        let pass = network.forward(x)
        let k = centre.count
        var scores = [Float](repeating: 0, count: x.rows)
        var outer = Matrix(rows: x.rows, columns: k)
        for r in 0..<x.rows {
            for j in 0..<k {
                let difference = pass.output.scalars[r * k + j] - centre[j]
                scores[r] += difference * difference
                outer.scalars[r * k + j] = 2 * difference
            }
        }
        return (scores, network.inputGradient(pass, outputGradient: outer))
    }

    public func kinks(start: [Double], direction: [Double]) -> [Double]? { network.kinks(start: start, direction: direction) }
    /// The squared distance's gradient is affine on a piece.
    public var nodesPerPiece: Int { 1 }
}
