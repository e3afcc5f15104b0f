/// The mean squared error over all elements, `mean((output − target)²)` (PyTorch's `nn.MSELoss()`
/// with its default `reduction="mean"`): reconstruction loss for autoencoders, and score matching
/// when a student regresses the teacher's logit.
public struct MeanSquaredError: Loss {
    public init() {}

    public func evaluate(_ output: Matrix, _ target: Matrix, gradient: inout Matrix) -> Float {
        precondition(
            output.rows == target.rows && output.columns == target.columns,
            "MSE: output \(output.rows)×\(output.columns) and target \(target.rows)×\(target.columns) differ")
        gradient.resize(rows: output.rows, columns: output.columns)
        let count = output.scalars.count
        guard count > 0 else { return 0 }
        let scale = 2 / Float(count)
        var sum: Double = 0
        output.scalars.withUnsafeBufferPointer { o in
            target.scalars.withUnsafeBufferPointer { t in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for i in 0..<count {
                        let d = o[i] - t[i]
                        sum += Double(d * d)
                        g[i] = scale * d
                    }
                }
            }
        }
        return Float(sum / Double(count))
    }

    /// The mean squared error of each row (the reconstruction error an autoencoder scores with,
    /// PyOD's `pairwise_distances_no_broadcast` squared and divided by the width).
    ///
    /// - Returns: One value per row: `mean_j (output[r, j] − target[r, j])²`.
    public static func rowErrors(_ output: Matrix, _ target: Matrix) -> [Float] {
        precondition(output.rows == target.rows && output.columns == target.columns, "row errors: shapes differ")
        let rows = output.rows, columns = output.columns
        guard columns > 0 else { return [Float](repeating: 0, count: rows) }
        var result = [Float](repeating: 0, count: rows)
        output.scalars.withUnsafeBufferPointer { o in
            target.scalars.withUnsafeBufferPointer { t in
                for r in 0..<rows {
                    var sum: Float = 0
                    for j in r * columns..<(r + 1) * columns {
                        let d = o[j] - t[j]
                        sum += d * d
                    }
                    result[r] = sum / Float(columns)
                }
            }
        }
        return result
    }
}
