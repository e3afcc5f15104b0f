import _AnomalyDistillKernels

/// A feed-forward network prepared once for inference: the scoring path's form of a ``Network``.
///
/// Compiling folds what inference does not need into the dense layers — an activation becomes the
/// preceding layer's, a batch normalisation is folded into the preceding dense layer's weights and bias
/// (its running statistics are fixed at inference), dropout disappears — and lays the weights out as the
/// kernel reads them (`ad_mlp_forward`: output blocks of 8 lanes, padded with zeros). A per-input factor can
/// be folded into the first layer's weights, so a scaling step (a standardisation's `1 / scale`) costs nothing.
///
/// The object is immutable after `init` and `Sendable`: many threads may score with one instance, each with
/// its own scratch memory (``makeScratch()``). Scoring allocates nothing.
public final class CompiledNetwork: @unchecked Sendable {
    // @unchecked: the pointers are written only in `init` and freed in `deinit`; scoring only reads them.
    private let weights: UnsafeMutablePointer<Float>
    private let layers: UnsafeMutablePointer<ad_dense_layer>
    private let layerCount: Int
    /// Number of input values a row must have.
    public let inputWidth: Int
    /// Number of outputs per row.
    public let outputWidth: Int
    /// Floats of scratch memory one caller needs (see ``makeScratch()``).
    public let scratchCount: Int
    /// The network's dense arithmetic per row (`2 · Σ in · out`), after folding.
    public let flopsPerRow: Double

    /// Compiles `network` for inference, or returns `nil` when it has a layer the kernel does not run (a
    /// batch normalisation or activation that does not follow a dense layer, two activations in a row).
    ///
    /// - Parameters:
    ///   - network: The trained network.
    ///   - inputScale: Factors multiplied into the first dense layer's weights, one per input (`nil`: none).
    public convenience init?(_ network: Network, inputScale: [Float]? = nil) {
        guard let folded = FoldedNetwork(network, inputScale: inputScale) else { return nil }
        self.init(folded)
    }

    /// Compiles folded stages for the kernel.
    public init(_ folded: FoldedNetwork) {
        let stages = folded.stages
        let first = stages[0], final = stages[stages.count - 1]
        // Lay out: a many-output layer as `inputs` rows of `stride` (a multiple of 8) floats; a one-output layer
        // as its `inputs` weights; each bias padded to the stride.
        // Every layer's weights and bias start on a 32-byte boundary of a 64-byte-aligned block, so the kernel's
        // vector loads never straddle a cache line (measured: 10–15% slower when the block is 16-byte aligned).
        func stride(_ stage: FoldedNetwork.Stage) -> Int { stage.outputs == 1 ? 1 : (stage.outputs + 7) / 8 * 8 }
        func padded(_ count: Int) -> Int { (count + 7) / 8 * 8 }
        let total = stages.reduce(0) { $0 + padded(stride($1) * $1.inputs) + max(stride($1), 8) }
        weights = UnsafeMutableRawPointer.allocate(byteCount: total * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: total)
        weights.initialize(repeating: 0, count: total)
        layers = .allocate(capacity: stages.count)
        var offset = 0
        var widest = 8
        for (index, stage) in stages.enumerated() {
            let s = stride(stage)
            widest = max(widest, s)
            let w = weights + offset
            for i in 0..<stage.inputs {
                for o in 0..<stage.outputs { w[i * s + o] = stage.weight[i * stage.outputs + o] }
            }
            offset += padded(s * stage.inputs)
            let b = weights + offset
            for o in 0..<stage.outputs { b[o] = stage.bias[o] }
            offset += max(s, 8)
            let (code, slope) = Self.kernelActivation(stage.activation)
            (layers + index).initialize(to: ad_dense_layer(
                inputs: stage.inputs, outputs: stage.outputs, stride: s, weight: UnsafePointer(w),
                bias: UnsafePointer(b), activation: code, slope: slope))
        }
        layerCount = stages.count
        inputWidth = first.inputs
        outputWidth = final.outputs
        scratchCount = ad_mlp_scratch_floats(widest)
        flopsPerRow = folded.flopsPerRow
    }

    /// The kernel's code (and slope) for an activation.
    private static func kernelActivation(_ activation: Activation) -> (Int32, Float) {
        switch activation {
        case .identity: (Int32(AD_ACTIVATION_IDENTITY), 0)
        case .relu: (Int32(AD_ACTIVATION_RELU), 0)
        case let .leakyReLU(slope): (Int32(AD_ACTIVATION_LEAKY_RELU), Float(slope))
        case .tanh: (Int32(AD_ACTIVATION_TANH), 0)
        case .sigmoid: (Int32(AD_ACTIVATION_SIGMOID), 0)
        }
    }

    deinit {
        layers.deinitialize(count: layerCount)
        layers.deallocate()
        UnsafeMutableRawPointer(weights).deallocate()
    }

    /// Scratch memory for one caller (one thread): ``scratchCount`` floats, 32-byte aligned.
    public func makeScratch() -> UnsafeMutableRawBufferPointer {
        .allocate(byteCount: max(scratchCount, 1) * MemoryLayout<Float>.stride, alignment: 64)
    }

    /// Input memory for ``score(plan:numeric:categories:rows:into:input:scratch:)``, for one caller (one thread).
    func makeInput() -> UnsafeMutableRawBufferPointer {
        .allocate(byteCount: ad_mlp_input_floats(inputWidth) * MemoryLayout<Float>.stride, alignment: 64)
    }

    /// The layers as the kernel reads them, and their number; valid while this object lives.
    var kernelLayers: (layers: UnsafePointer<ad_dense_layer>, count: Int32) { (UnsafePointer(layers), Int32(layerCount)) }

    /// Scores raw rows end to end with a one-output network: each row's input prepared as `plan` says, then the
    /// layers (`ad_mlp_score`).
    ///
    /// - Parameters:
    ///   - numeric: `rows` × the plan's numeric columns raw values, row by row (`nil` only when there are none).
    ///   - categories: `rows` × its categorical columns slots (`nil` only when there are none).
    ///   - output: `rows` scores.
    ///   - input: From ``makeInput()``; `scratch` from ``makeScratch()``; both used by one thread at a time.
    /// - Complexity: O(rows · parameters); no allocation, no lock. A row's score is bitwise the same whether it is
    ///   scored alone or in a batch.
    func score(plan: InputPlan, numeric: UnsafePointer<Float>?, categories: UnsafePointer<Int32>?, rows: Int,
               into output: UnsafeMutablePointer<Float>, input: UnsafeMutableRawBufferPointer,
               scratch: UnsafeMutableRawBufferPointer) {
        precondition(outputWidth == 1, "scoring needs a network with one output")
        ad_mlp_score(plan.kernelPlan, layers, Int32(layerCount), numeric, categories, rows, output,
                     input.baseAddress!.assumingMemoryBound(to: Float.self),
                     scratch.baseAddress!.assumingMemoryBound(to: Float.self))
    }

    /// Runs the network on `rows` rows.
    ///
    /// - Parameters:
    ///   - x: The first input value; row `r` starts at `x + r * inputStride` and has ``inputWidth`` values.
    ///   - output: Row `r`'s ``outputWidth`` outputs are written at `output + r * outputStride`.
    ///   - scratch: From ``makeScratch()``, used by one thread at a time.
    /// - Complexity: O(rows · parameters); no allocation, no lock. A row's outputs are bitwise the same
    ///   whether it is scored alone or in a batch.
    @inline(__always)
    public func forward(
        _ x: UnsafePointer<Float>, inputStride: Int, rows: Int, into output: UnsafeMutablePointer<Float>,
        outputStride: Int, scratch: UnsafeMutableRawBufferPointer
    ) {
        ad_mlp_forward(layers, Int32(layerCount), x, inputStride, rows, output, outputStride,
                       scratch.baseAddress!.assumingMemoryBound(to: Float.self))
    }

    /// The outputs for every row of `x` (a convenience that allocates; the scoring path uses
    /// ``forward(_:inputStride:rows:into:outputStride:scratch:)``).
    public func outputs(_ x: Matrix) -> Matrix {
        precondition(x.columns == inputWidth, "the network expects \(inputWidth) inputs, got \(x.columns)")
        var result = Matrix(rows: x.rows, columns: outputWidth)
        let scratch = makeScratch()
        defer { scratch.deallocate() }
        x.scalars.withUnsafeBufferPointer { input in
            result.scalars.withUnsafeMutableBufferPointer { out in
                if let base = input.baseAddress, let target = out.baseAddress {
                    forward(base, inputStride: inputWidth, rows: x.rows, into: target, outputStride: outputWidth,
                            scratch: scratch)
                }
            }
        }
        return result
    }

    /// The kernel set chosen for this CPU (`avx2-fma` or `portable`).
    public static var kernel: String { String(cString: ad_mlp_kernel()) }
}
