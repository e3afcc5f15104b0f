/// An elementwise activation function, as named in a network's architecture.
public enum Activation: Codable, Sendable, Hashable, CustomStringConvertible {
    /// ``ReLU``.
    case relu
    /// ``LeakyReLU`` with the given negative slope.
    case leakyReLU(slope: Double)
    /// ``Tanh``.
    case tanh
    /// ``Sigmoid``.
    case sigmoid
    /// ``Identity`` (no activation).
    case identity

    /// The layer computing this function.
    public func makeLayer() -> any Layer {
        switch self {
        case .relu: ReLU()
        case let .leakyReLU(slope): LeakyReLU(slope: Float(slope))
        case .tanh: Tanh()
        case .sigmoid: Sigmoid()
        case .identity: Identity()
        }
    }

    public var description: String {
        switch self {
        case .relu: "relu"
        case let .leakyReLU(slope): "leaky_relu(\(slope))"
        case .tanh: "tanh"
        case .sigmoid: "sigmoid"
        case .identity: "identity"
        }
    }
}
