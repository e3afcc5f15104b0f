extension Tensor {
    /// An `F32` tensor of shape `[rows, columns]` holding a matrix's elements, row-major.
    public init(name: String, matrix: Matrix) {
        self.init(name: name, shape: [matrix.rows, matrix.columns], floats: matrix.scalars)
    }

    /// An `F32` tensor of shape `[count]` holding a vector (a bias, a scale, a mean).
    public init(name: String, vector: [Float]) {
        self.init(name: name, shape: [vector.count], floats: vector)
    }

    /// The matrix an `F32` tensor of rank 2 holds.
    ///
    /// - Throws: ``ModelError/wrongDType(tensor:expected:found:)`` when the dtype is not `F32`,
    ///   ``ModelError/wrongRank(tensor:expected:shape:)`` when the shape is not `[rows, columns]`.
    public func matrix() throws -> Matrix {
        let scalars = try floats()
        guard shape.count == 2 else { throw ModelError.wrongRank(tensor: name, expected: 2, shape: shape) }
        return Matrix(rows: shape[0], columns: shape[1], scalars: scalars)
    }
}
