/// A feed-forward network: layers applied one after another (PyTorch's `nn.Sequential`), with
/// manual backward passes.
///
/// The network owns one activation buffer per layer output and one gradient buffer per layer
/// input; buffers are resized in place (keeping their capacity) when the batch size changes, so
/// a training step allocates nothing once the buffers have seen the largest batch. Build one from
/// a ``NetworkArchitecture`` (``NetworkArchitecture/mlp(inputWidth:hidden:outputWidth:activation:outputActivation:dropout:batchNorm:bias:)``
/// for a multilayer perceptron).
public struct Network: Sendable, CustomStringConvertible {
    /// What the network computes, layer by layer.
    public let architecture: NetworkArchitecture
    /// The layers, first to last.
    public internal(set) var layers: [any Layer]
    /// `activations[0]` is a copy of the last input, `activations[i + 1]` the output of layer `i`.
    var activations: [Matrix]
    /// `gradientBuffers[i]` is ∂L/∂(input of layer `i`) after the last backward pass (`nil` for
    /// the network input unless it was asked for).
    var gradientBuffers: [Matrix?]

    /// A network with freshly initialised parameters.
    ///
    /// - Parameters:
    ///   - architecture: The layers.
    ///   - initialization: How dense weights are drawn (PyTorch's default unless said otherwise).
    ///   - random: The seeded generator the weights (in layer order) and dropout generators come from.
    public init(
        architecture: NetworkArchitecture, initialization: Dense.Initialization = .pytorch,
        random: inout RandomSource
    ) {
        var layers: [any Layer] = []
        for specification in architecture.layers {
            layers.append(specification.makeLayer(initialization: initialization, random: &random))
        }
        self.init(architecture: architecture, layers: layers)
    }

    /// A network over given layers.
    ///
    /// - Precondition: each layer is the one `architecture` describes at its position (up to the
    ///   rounding of rates and slopes to `Float`).
    init(architecture: NetworkArchitecture, layers: [any Layer]) {
        precondition(layers.count == architecture.layers.count, "layers must match the architecture")
        self.architecture = architecture
        self.layers = layers
        activations = Array(repeating: Matrix(rows: 0, columns: 0), count: layers.count + 1)
        gradientBuffers = Array(repeating: Matrix(rows: 0, columns: 0), count: layers.count)
        gradientBuffers[0] = nil
    }

    /// Number of input features.
    public var inputWidth: Int { architecture.inputWidth }
    /// Number of outputs.
    public var outputWidth: Int { architecture.outputWidth }

    /// Runs the network on a mini-batch.
    ///
    /// - Parameters:
    ///   - x: One row per example, ``inputWidth`` columns.
    ///   - training: Training mode (dropout on, batch statistics, caches for ``backward(_:computeInputGradient:)``)
    ///     or inference mode.
    /// - Returns: The output, one row per example (also kept as ``output``).
    /// - Complexity: O(rows · parameters); no allocation once the buffers fit the batch.
    @discardableResult
    public mutating func forward(_ x: Matrix, training: Bool) -> Matrix {
        precondition(x.columns == inputWidth, "the network expects \(inputWidth) features, got \(x.columns)")
        activations[0].assign(x)
        for index in layers.indices {
            var output = Matrix(rows: 0, columns: 0)
            swap(&output, &activations[index + 1])
            layers[index].forward(activations[index], into: &output, training: training)
            swap(&output, &activations[index + 1])
        }
        return activations[layers.count]
    }

    /// The output of the last forward pass.
    public var output: Matrix { activations[layers.count] }

    /// The outputs for `x` in inference mode, leaving this network unchanged.
    public func predict(_ x: Matrix) -> Matrix {
        var copy = self
        return copy.forward(x, training: false)
    }

    /// Back-propagates ∂L/∂output through the last forward pass, overwriting every parameter gradient.
    ///
    /// - Parameters:
    ///   - gradient: ∂L/∂output, the shape of ``output``.
    ///   - computeInputGradient: Also compute ∂L/∂x (``inputGradient``); skipped by default, which saves
    ///     the first layer's largest product.
    public mutating func backward(_ gradient: Matrix, computeInputGradient: Bool = false) {
        precondition(
            gradient.rows == output.rows && gradient.columns == output.columns,
            "the gradient must have the output's shape \(output.rows)×\(output.columns)")
        for index in layers.indices.reversed() {
            var target: Matrix?
            if index > 0 || computeInputGradient {
                target = gradientBuffers[index].take() ?? Matrix(rows: 0, columns: 0)
            }
            if index == layers.count - 1 {
                layers[index].backward(
                    input: activations[index], output: activations[index + 1],
                    outputGradient: gradient, inputGradient: &target)
            } else {
                layers[index].backward(
                    input: activations[index], output: activations[index + 1],
                    outputGradient: gradientBuffers[index + 1] ?? gradient, inputGradient: &target)
            }
            gradientBuffers[index] = target
        }
    }

    /// ∂L/∂x after ``backward(_:computeInputGradient:)`` with `computeInputGradient: true`.
    public var inputGradient: Matrix? { gradientBuffers[0] }

    /// Calls `body` with the index, value and gradient of each trainable parameter, in a fixed order
    /// (layer by layer; weight before bias). Optimizers keep their state by this index.
    public mutating func updateParameters(_ body: (_ index: Int, _ parameter: inout Matrix, _ gradient: Matrix) -> Void)
    {
        var counter = 0
        for index in layers.indices {
            layers[index].updateParameters { parameter, gradient in
                body(counter, &parameter, gradient)
                counter += 1
            }
        }
    }

    /// The trainable parameters, in ``updateParameters(_:)`` order (copies).
    public var parameters: [Matrix] {
        var copy = self, result: [Matrix] = []
        copy.updateParameters { _, parameter, _ in result.append(parameter) }
        return result
    }

    /// The gradients of the last backward pass, in ``updateParameters(_:)`` order (copies).
    public var gradients: [Matrix] {
        var copy = self, result: [Matrix] = []
        copy.updateParameters { _, _, gradient in result.append(gradient) }
        return result
    }

    /// The number of trainable scalars (PyTorch's `sum(p.numel() for p in model.parameters())`).
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Whether every parameter and running statistic is finite.
    public var isFinite: Bool {
        var copy = self, finite = true
        copy.updateParameters { _, parameter, _ in finite = finite && parameter.isFinite }
        guard finite else { return false }
        for layer in layers {
            if let norm = layer as? BatchNorm,
                !(norm.runningMean.allSatisfy(\.isFinite) && norm.runningVariance.allSatisfy(\.isFinite))
            {
                return false
            }
        }
        return true
    }

    /// `2 · Σ in · out` over the dense layers, and two per multiply-add of the convolutions: one multiply and
    /// one add per weight use (biases, normalisation and activations are not counted).
    public var denseFLOPs: Double {
        layers.reduce(0) { total, layer in
            if let convolution = layer as? Conv1D { return total + 2 * convolution.multiplyAdds }
            guard let dense = layer as? Dense else { return total }
            return total + 2 * Double(dense.inputs) * Double(dense.outputs)
        }
    }

    public var description: String {
        "Network(\(architecture), \(parameterCount) parameters)"
    }
}
