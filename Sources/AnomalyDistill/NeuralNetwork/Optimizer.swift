/// Updates a network's parameters from the gradients of its last backward pass.
public protocol Optimizer: Sendable {
    /// The step size; the ``Trainer`` halves it when training diverges.
    var learningRate: Float { get set }

    /// Applies one update to every parameter of `network`.
    mutating func step(_ network: inout Network)
}
