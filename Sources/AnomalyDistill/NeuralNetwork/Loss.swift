import RealModule

/// A training objective: a value averaged over the mini-batch and its gradient with respect to
/// the network's output.
public protocol Loss: Sendable {
    /// The number of target columns this loss expects for a network with `outputWidth` outputs.
    func targetWidth(forOutputWidth outputWidth: Int) -> Int

    /// The loss of `output` against `target`, averaged over the batch.
    ///
    /// - Parameters:
    ///   - output: The network's output, one row per example.
    ///   - target: The targets, one row per example (``targetWidth(forOutputWidth:)`` columns).
    ///   - gradient: Resized to `output`'s shape and overwritten with ∂loss/∂output.
    /// - Returns: The loss value (NaN or infinite when training diverged).
    func evaluate(_ output: Matrix, _ target: Matrix, gradient: inout Matrix) -> Float

    /// The loss value alone.
    func value(_ output: Matrix, _ target: Matrix) -> Float
}

extension Loss {
    public func targetWidth(forOutputWidth outputWidth: Int) -> Int { outputWidth }

    public func value(_ output: Matrix, _ target: Matrix) -> Float {
        var gradient = Matrix(rows: 0, columns: 0)
        return evaluate(output, target, gradient: &gradient)
    }
}

/// Numerically stable pieces shared by the logistic losses.
enum Logistic {
    /// log(1 + eˣ) without overflow: max(x, 0) + log(1 + e^(−|x|)).
    @inline(__always)
    static func softplus(_ x: Float) -> Float {
        max(x, 0) + Float.log(onePlus: Float.exp(-abs(x)))
    }

    /// σ(x) without overflow.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { Sigmoid.sigmoid(x) }
}
