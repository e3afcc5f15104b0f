/// The description of one layer in a network's architecture: what it computes and its shape,
/// without its parameters. Codable to JSON for model files.
public enum LayerSpecification: Codable, Sendable, Hashable, CustomStringConvertible {
    /// ``Dense``: `inputs` → `outputs`, with or without a bias.
    case dense(inputs: Int, outputs: Int, bias: Bool)
    /// An elementwise ``Activation``.
    case activation(Activation)
    /// ``Dropout`` with the given rate.
    case dropout(rate: Double)
    /// ``BatchNorm`` over `features`.
    case batchNorm(features: Int, momentum: Double, epsilon: Double)
    /// ``Conv1D``: `channels × steps` in, `filters × outputSteps` out.
    case conv1d(channels: Int, steps: Int, filters: Int, kernel: Int, stride: Int)

    /// A layer of this description; a dense layer's weights are drawn from `random` with
    /// `initialization`, a dropout layer splits its mask generator from `random`.
    public func makeLayer(initialization: Dense.Initialization = .pytorch, random: inout RandomSource) -> any Layer {
        switch self {
        case let .dense(inputs, outputs, bias):
            Dense(inputs: inputs, outputs: outputs, bias: bias, initialization: initialization, random: &random)
        case let .activation(activation):
            activation.makeLayer()
        case let .dropout(rate):
            Dropout(rate: Float(rate), random: &random)
        case let .batchNorm(features, momentum, epsilon):
            BatchNorm(features: features, momentum: Float(momentum), epsilon: Float(epsilon))
        case let .conv1d(channels, steps, filters, kernel, stride):
            Conv1D(channels: channels, steps: steps, filters: filters, kernel: kernel, stride: stride, random: &random)
        }
    }

    public var description: String {
        switch self {
        case let .dense(inputs, outputs, bias): "Dense(\(inputs) → \(outputs)\(bias ? "" : ", no bias"))"
        case let .activation(activation): activation.description
        case let .dropout(rate): "Dropout(\(rate))"
        case let .batchNorm(features, _, _): "BatchNorm(\(features))"
        case let .conv1d(channels, steps, filters, kernel, stride):
            "Conv1D(\(channels)×\(steps) → \(filters)×\(Conv1D.outputSteps(steps: steps, kernel: kernel, stride: stride)), kernel \(kernel), stride \(stride))"
        }
    }
}
