/// What a ``Network`` computes, layer by layer, without its parameters: the part of a model file's
/// JSON that says how to rebuild the network before its tensors are loaded.
public struct NetworkArchitecture: Codable, Sendable, Hashable, CustomStringConvertible {
    /// Number of input features.
    public var inputWidth: Int
    /// The layers, first to last.
    public var layers: [LayerSpecification]

    /// An architecture from its layers.
    ///
    /// - Throws: `ConfigurationError.invalidSetting` when a layer's width does not follow from the previous one.
    public init(inputWidth: Int, layers: [LayerSpecification]) throws {
        self.inputWidth = inputWidth
        self.layers = layers
        try validate()
    }

    /// A multilayer perceptron in PyOD's `AutoEncoder` order: for each hidden width, a dense layer,
    /// then batch norm (when asked), the activation and dropout (when `dropout > 0`); then a dense
    /// output layer and its activation.
    ///
    /// - Parameters:
    ///   - inputWidth: Number of input features.
    ///   - hidden: The width of each hidden layer (may be empty: a linear or logistic model).
    ///   - outputWidth: Number of outputs.
    ///   - activation: The hidden layers' activation.
    ///   - outputActivation: The output layer's activation (`.identity` for logits or regression).
    ///   - dropout: Dropout rate after each hidden activation, in [0, 1); 0 for none.
    ///   - batchNorm: Whether each hidden dense layer is followed by batch norm.
    ///   - bias: Whether the dense layers have biases (Deep SVDD uses none).
    /// - Throws: `ConfigurationError.invalidSetting` for a non-positive width or a rate outside [0, 1).
    public static func mlp(
        inputWidth: Int,
        hidden: [Int],
        outputWidth: Int,
        activation: Activation = .relu,
        outputActivation: Activation = .identity,
        dropout: Double = 0,
        batchNorm: Bool = false,
        bias: Bool = true
    ) throws -> NetworkArchitecture {
        guard dropout >= 0 && dropout < 1 else {
            throw ConfigurationError.invalidSetting(name: "dropout", reason: "expected a rate in [0, 1), found \(dropout)")
        }
        var layers: [LayerSpecification] = []
        var width = inputWidth
        for next in hidden {
            layers.append(.dense(inputs: width, outputs: next, bias: bias))
            if batchNorm { layers.append(.batchNorm(features: next, momentum: 0.1, epsilon: 1e-5)) }
            layers.append(.activation(activation))
            if dropout > 0 { layers.append(.dropout(rate: dropout)) }
            width = next
        }
        layers.append(.dense(inputs: width, outputs: outputWidth, bias: bias))
        if outputActivation != .identity { layers.append(.activation(outputActivation)) }
        return try NetworkArchitecture(inputWidth: inputWidth, layers: layers)
    }

    /// Number of outputs.
    public var outputWidth: Int {
        layers.reduce(inputWidth) { width, layer in
            switch layer {
            case let .dense(_, outputs, _): outputs
            case let .conv1d(_, steps, filters, kernel, stride):
                filters * Conv1D.outputSteps(steps: steps, kernel: kernel, stride: stride)
            default: width
            }
        }
    }

    /// Checks that widths chain and values are in range.
    ///
    /// - Throws: `ConfigurationError.invalidSetting` naming the first bad layer.
    public func validate() throws {
        guard layers.contains(where: { if case .dense = $0 { true } else { false } }) else {
            throw ConfigurationError.invalidSetting(name: "layers", reason: "expected at least one dense layer, found \(layers.count) layers and none dense")
        }
        guard inputWidth > 0 else {
            throw ConfigurationError.invalidSetting(
                name: "input width", reason: "expected at least one feature, found \(inputWidth)")
        }
        var width = inputWidth
        for (index, layer) in layers.enumerated() {
            switch layer {
            case let .dense(inputs, outputs, _):
                guard inputs == width, outputs > 0 else {
                    throw ConfigurationError.invalidSetting(
                        name: "layers.\(index)",
                        reason:
                            "expected a dense layer from \(width) features to at least one, found \(inputs) → \(outputs)"
                    )
                }
                width = outputs
            case let .batchNorm(features, momentum, epsilon):
                guard features == width, momentum >= 0, momentum <= 1, epsilon > 0 else {
                    throw ConfigurationError.invalidSetting(
                        name: "layers.\(index)",
                        reason: "expected batch norm over \(width) features with momentum in [0, 1] and ε > 0")
                }
            case let .dropout(rate):
                guard rate >= 0 && rate < 1 else {
                    throw ConfigurationError.invalidSetting(
                        name: "layers.\(index)", reason: "expected a dropout rate in [0, 1), found \(rate)")
                }
            case .activation:
                break
            case let .conv1d(channels, steps, filters, kernel, stride):
                guard channels * steps == width, channels > 0, steps > 0, filters > 0, kernel > 0, kernel <= steps,
                      stride > 0, Conv1D.outputSteps(steps: steps, kernel: kernel, stride: stride) > 0 else {
                    throw ConfigurationError.invalidSetting(
                        name: "layers.\(index)",
                        reason: "expected a convolution over \(width) values (channels × steps) with a kernel of at most the steps, found \(channels) × \(steps), kernel \(kernel), stride \(stride)")
                }
                width = filters * Conv1D.outputSteps(steps: steps, kernel: kernel, stride: stride)
            }
        }
    }

    public var description: String {
        "\(inputWidth) → " + layers.map(\.description).joined(separator: " → ")
    }
}
