/// One stage of a ``Network``: a function of a mini-batch (one row per example) with a manual
/// backward pass.
///
/// The network owns the activation and gradient buffers and hands them to each layer, so a layer
/// only keeps what its backward pass needs beyond its input and output (a dropout mask, batch
/// statistics). Buffers keep their capacity between steps: once every buffer has seen the largest
/// mini-batch, a training step allocates nothing.
public protocol Layer: Sendable, CustomStringConvertible {
    /// The description of this layer in a network's architecture.
    var specification: LayerSpecification { get }

    /// The number of output features for `width` input features.
    func outputWidth(forInputWidth width: Int) -> Int

    /// Computes the layer on a mini-batch.
    ///
    /// - Parameters:
    ///   - input: One row per example.
    ///   - output: Resized to the output shape and overwritten.
    ///   - training: Training mode (dropout active, batch statistics) or inference mode.
    mutating func forward(_ input: Matrix, into output: inout Matrix, training: Bool)

    /// The backward pass of the last ``forward(_:into:training:)``.
    ///
    /// Overwrites (does not accumulate) the parameter gradients with ∂L/∂θ and, when
    /// `inputGradient` is not `nil`, writes ∂L/∂input into it.
    ///
    /// - Parameters:
    ///   - input: The input of the last forward pass.
    ///   - output: The output of the last forward pass.
    ///   - outputGradient: ∂L/∂output, the shape of `output`.
    ///   - inputGradient: Receives ∂L/∂input, the shape of `input`; `nil` to skip it (first layer).
    mutating func backward(input: Matrix, output: Matrix, outputGradient: Matrix, inputGradient: inout Matrix?)

    /// The number of trainable scalars.
    var parameterCount: Int { get }

    /// Calls `body` with each trainable parameter and its gradient, in a fixed order.
    mutating func updateParameters(_ body: (_ parameter: inout Matrix, _ gradient: Matrix) -> Void)

    /// The parameters and state (running statistics) to save, named `prefix` + `weight`, `bias`, ...
    /// in PyTorch's layouts and names (a dense weight is `[out, in]`, as `torch.nn.Linear`'s).
    func tensors(prefix: String) -> [Tensor]

    /// Restores what ``tensors(prefix:)`` saved.
    ///
    /// - Throws: `ModelError.missingTensor`, `.wrongShape`, `.wrongDType`, `.nonFiniteWeight`.
    mutating func load(_ tensors: [String: Tensor], prefix: String, file: String) throws
}

extension Layer {
    public var parameterCount: Int { 0 }
    public mutating func updateParameters(_ body: (_ parameter: inout Matrix, _ gradient: Matrix) -> Void) {}
    public func tensors(prefix: String) -> [Tensor] { [] }
    public mutating func load(_ tensors: [String: Tensor], prefix: String, file: String) throws {}
    public func outputWidth(forInputWidth width: Int) -> Int { width }
    public var description: String { "\(specification)" }
}

/// Reading saved tensors back, with the checks every layer needs.
enum LayerTensors {
    /// The `F32` elements of `prefix + name`, checked for shape and finiteness.
    static func floats(_ tensors: [String: Tensor], _ name: String, shape: [Int], file: String) throws -> [Float] {
        guard let tensor = tensors[name] else { throw ModelError.missingTensor(file: file, name: name) }
        guard tensor.shape == shape else {
            throw ModelError.wrongShape(file: file, tensor: name, expected: shape, found: tensor.shape)
        }
        let values = try tensor.floats()
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ModelError.nonFiniteWeight(file: file, tensor: name, index: bad)
        }
        return values
    }
}

/// Elementwise layers share one shape of backward pass: `inputGradient = outputGradient ⊙ f′`.
enum Elementwise {
    /// Writes `f(x)` for every element of `input` into `output` (resized to `input`'s shape).
    @inline(__always)
    static func map(_ input: Matrix, into output: inout Matrix, _ f: (Float) -> Float) {
        output.resize(rows: input.rows, columns: input.columns)
        let count = input.scalars.count
        input.scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeMutableBufferPointer { y in
                for i in 0..<count { y[i] = f(x[i]) }
            }
        }
    }

    /// Writes `g · d(x, y)` into `inputGradient` for input `x`, output `y`, output gradient `g`.
    @inline(__always)
    static func backward(
        input: Matrix, output: Matrix, outputGradient: Matrix, inputGradient: inout Matrix?,
        _ derivative: (_ x: Float, _ y: Float) -> Float
    ) {
        guard var target = inputGradient.take() else { return }
        target.resize(rows: input.rows, columns: input.columns)
        let count = input.scalars.count
        precondition(
            outputGradient.scalars.count == count && output.scalars.count == count,
            "backward: gradient shape does not match the forward pass")
        input.scalars.withUnsafeBufferPointer { x in
            output.scalars.withUnsafeBufferPointer { y in
                outputGradient.scalars.withUnsafeBufferPointer { g in
                    target.scalars.withUnsafeMutableBufferPointer { d in
                        for i in 0..<count { d[i] = g[i] * derivative(x[i], y[i]) }
                    }
                }
            }
        }
        inputGradient = target
    }
}
